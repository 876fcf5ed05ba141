#!/usr/bin/env bash
# Installs what Offgrid's tests need on a fresh Debian machine: Chromium for the browser tests, redis-server for the
# queue tests, then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
# redis-server: the queue tests (offgrid serve --queue, offgrid worker) start their own on a free loopback port with a
# password and stop it; nothing here starts the system service. The product without --queue never needs it.
MISSING=""
command -v chromium >/dev/null 2>&1 || MISSING="$MISSING chromium"
command -v redis-server >/dev/null 2>&1 || MISSING="$MISSING redis-server"
if [ -n "$MISSING" ]; then
  echo "Installing Debian packages for the tests:$MISSING…"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # the package list is meant to split
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
npm ci --no-audit --no-fund
