#!/usr/bin/env bash
# Runs on the CUDA machine inside ../shared/gpu/on-device.sh (which puts node on PATH and exports
# TORCH_CMAKE_PREFIX_PATH, the pip PyTorch's bundled LibTorch): unpacks the cargo of
# scripts/gpu-pack.sh, builds the addon with plain cmake against that LibTorch, prints what was
# built, then runs the command given, e.g.
#   bash scripts/gpu-run.sh node node_modules/vitest/vitest.mjs run
#   bash scripts/gpu-run.sh node benchmarks/accuracy.mjs --budget smoke --device cuda
# ADX_PREBUILT=FILE skips the build and uses that addon (see below).
# The build log goes to $OUT/build.log when the device tool provides $OUT.
set -euo pipefail
out=${OUT:-/tmp/adx-gpu-out}
mkdir -p "$out"
if [ ! -d node_modules/vitest ] || [ .device/cargo.tar.xz -nt node_modules/vitest ]; then
  tar -xJf .device/cargo.tar.xz
  touch node_modules/vitest
fi
# The reference tests and benchmarks run the Python that has the device's torch.
export ADX_PYTHON=${ADX_PYTHON:-$(command -v python3)}
started=$(date +%s)
# A device machine starts bare: ADX_PREBUILT names an addon built by an earlier call on the same
# image (this script leaves each build in $OUT/adautomix.node), which is used instead of building.
if [ -n "${ADX_PREBUILT:-}" ] && [ -f "$ADX_PREBUILT" ]; then
  mkdir -p build/Release
  cp "$ADX_PREBUILT" build/Release/adautomix.node
  echo "gpu-run: using the prebuilt addon $ADX_PREBUILT"
else
  build() {
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${TORCH_CMAKE_PREFIX_PATH:+-DCMAKE_PREFIX_PATH="$TORCH_CMAKE_PREFIX_PATH"} "$@"
    cmake --build build -j"$(nproc)"
  }
  # CUDA graphs are the part most tied to LibTorch's version: when the build fails, the log is kept
  # and the rest is built without them, so the tests and benchmarks still run.
  if ! build -DADX_CUDA_GRAPHS=ON > "$out/build.log" 2>&1; then
    grep -E "error" "$out/build.log" | head -20
    echo "gpu-run: build failed (log: $out/build.log); building again without CUDA graphs" >&2
    build -DADX_CUDA_GRAPHS=OFF > "$out/build-no-graphs.log" 2>&1 ||
      { tail -40 "$out/build-no-graphs.log"; echo "gpu-run: build failed (log: $out/build-no-graphs.log)" >&2; exit 1; }
  fi
  echo "gpu-run: built in $(( $(date +%s) - started )) s"
  cp build/Release/adautomix.node "$out/adautomix.node"
fi
# LD_BIND_NOW: every symbol the addon needs from LibTorch and CUDA resolves here, or the load
# fails naming it (Node loads addons lazily: a missing one would otherwise fail at its first call).
LD_BIND_NOW=1 node -e "const b = require('node-gyp-build')('.').buildInfo(); console.log('gpu-run: addon', JSON.stringify(b))"
[ $# -eq 0 ] || "$@"
