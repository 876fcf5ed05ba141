#!/usr/bin/env bash
# Installs what Offgrid's tests need on a fresh Debian 12 machine: Chromium for the browser tests, clang and lld to
# check that the committed SIMD kernels rebuild byte for byte (npm run build:kernels), redis-server for the queue
# tests, Arm NN's Python binding and reference backend (a second reader of every exported .tflite), Mesa's Vulkan drivers from bookworm-backports (a software GPU, lavapipe, for the WebGPU training tests:
# Debian 12's own Mesa is too old for Dawn), then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
# redis-server: the queue tests (offgrid serve --queue, offgrid worker) start their own on a free loopback port with a
# password and stop it; nothing here starts the system service. The product without --queue never needs it.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v clang >/dev/null 2>&1 || missing="$missing clang"
command -v wasm-ld >/dev/null 2>&1 || missing="$missing lld"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
# Arm NN (its own TFLite parser, reference CPU backend): the second, independent reader of our exported files.
[ -e /usr/lib/x86_64-linux-gnu/armnn22/Arm_CpuRef_backend.so ] && dpkg-query -W python3-pyarmnn >/dev/null 2>&1 || missing="$missing python3-pyarmnn libarmnn-cpuref-backend22"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
  echo "Installing Debian packages for the tests:$missing…"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # the package list is meant to split
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
if ! dpkg-query -W -f '${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q bpo12; then
  echo "Installing Mesa's Vulkan drivers from bookworm-backports (software WebGPU adapter for the tests)…"
  # The backports source is derived from the machine's own first Debian source (its mirror, its keyring): no
  # registry host is written here, so a machine behind its own mirror keeps using it.
  [ -f /etc/apt/sources.list.d/debian.sources ] || { echo "setup: no /etc/apt/sources.list.d/debian.sources to derive a bookworm-backports source from; add one for your mirror and run again." >&2; exit 1; }
  awk 'BEGIN { RS = ""; ORS = "\n" } NR == 1 { sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print }' /etc/apt/sources.list.d/debian.sources \
    | $SUDO tee /etc/apt/sources.list.d/offgrid-backports.sources >/dev/null
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 >/dev/null
fi
# The UCI wine data set for e2e/federated.test.ts (real labelled rows for phones' non-IID shares): Debian ships it in
# python3-sklearn; when that is not installed, only its 2 MB .deb is fetched (no dependencies) and the one CSV unpacked.
WINE=/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv
if [ ! -f "$WINE" ] && [ ! -f e2e/.data/wine_data.csv ]; then
  echo "Fetching the wine data set (python3-sklearn's .deb, 2 MB) for the federated e2e test…"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq python3-sklearn && dpkg-deb -x python3-sklearn_*.deb unpacked)
  mkdir -p e2e/.data && cp "$tmp/unpacked$WINE" e2e/.data/wine_data.csv
  rm -rf "$tmp"
fi
npm ci --no-audit --no-fund
