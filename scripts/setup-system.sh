#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those that are missing.
#   gcc-aarch64-linux-gnu, qemu-user: cross-build and run the NEON kernels (make test)
#   libsndfile1: needed by fairseq2 (make setup-fairseq2)
#   cmake: native build
#   chromium: headless browser that loads the HTML build report in tests/test_report.py
set -euo pipefail
packages=(cmake gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libsndfile1 chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing system packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
