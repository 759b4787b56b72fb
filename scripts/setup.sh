#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for adautomix, idempotently: the Debian packages (LibTorch,
# OpenBLAS with OpenMP, the Fashion-MNIST data, PyTorch for the reference tests), the npm
# dependencies, the native addon and the compiled TypeScript. Run from anywhere; needs root (or
# sudo) only for the packages, and skips apt-get when they are all present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  libtorch-dev libgloo-dev libopenblas0-openmp   # LibTorch 1.13 (CPU) + c10d headers + fast BLAS
  cmake g++ ninja-build                          # the native build
  dataset-fashion-mnist                          # the default dataset
  python3-torch python3-torchvision              # plain PyTorch references for tests and benchmarks
  chromium                                       # renders the HTML run report in its test
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null; then
  echo "setup: Node.js >= 20 is required (apt-get install nodejs npm, or from nodejs.org)" >&2
  exit 1
fi

# The package's install script (node-gyp-build) would skip the build whenever an old addon
# exists; build explicitly instead, which is incremental and quick when nothing changed.
# npm ci when the lock file is complete; some npm 11 set-ups write locks without other platforms'
# optional packages, which npm ci refuses, so fall back to npm install (same pinned versions).
npm ci --ignore-scripts --no-audit --no-fund 2>/dev/null || npm install --ignore-scripts --no-audit --no-fund
npm run build:native
npm run build:ts
echo "setup: done (addon: $(ls build/Release/*.node 2>/dev/null || ls prebuilds/*/*.node))"
