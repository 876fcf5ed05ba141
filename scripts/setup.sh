#!/usr/bin/env bash
# Installs what Offgrid's tests need on a fresh Debian machine: Chromium for the browser tests, clang and lld to
# check that the committed SIMD kernels rebuild byte for byte (npm run build:kernels), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v clang >/dev/null 2>&1 || missing="$missing clang"
command -v wasm-ld >/dev/null 2>&1 || missing="$missing lld"
if [ -n "$missing" ]; then
  echo "Installing Debian packages for the tests:$missing…"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
npm ci --no-audit --no-fund
