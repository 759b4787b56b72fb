#!/usr/bin/env bash
# Compiles and links the addon the way a CUDA build does, on a machine without a GPU or CUDA
# compiler: every native/*.cc with ADX_WITH_CUDA and ADX_WITH_CUDA_GRAPHS against a CUDA LibTorch's
# headers, then one link against its libraries with --no-undefined, where only Node-API's symbols
# (provided by node at load time) may stay unresolved. Catches what CMake's CUDA build would hit
# (API drift in the CUDA-only parts, symbols a LibTorch does not export) before a GPU session.
#
#   bash scripts/check-cuda-build.sh TORCH_PREFIX CUDA_HOME
#
# TORCH_PREFIX holds include/ and lib/ (a pip PyTorch's torch/ directory) or
# lib/x86_64-linux-gnu/ (Debian's libtorch-cuda-dev, unpacked); CUDA_HOME holds the CUDA toolkit's
# include/ and lib64/libcudart.so (the CUDA headers call the runtime directly). Run from the
# repository root after npm ci (the Node-API headers come from node_modules).
# scripts/libtorch2-check.sh cuda runs it against Debian 13's LibTorch 2.6. Objects and logs go to
# ${ADX_CHECK_DIR:-/tmp/adx-cuda-check}.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 TORCH_PREFIX CUDA_HOME" >&2; exit 2; }
prefix=$1
cuda_home=$2
work=${ADX_CHECK_DIR:-/tmp/adx-cuda-check}
lib=$prefix/lib
[ -e "$lib/libtorch_cuda.so" ] || lib=$prefix/lib/x86_64-linux-gnu
[ -e "$lib/libtorch_cuda.so" ] || { echo "check-cuda-build: no libtorch_cuda.so under $prefix" >&2; exit 1; }
[ -f "$cuda_home/include/cuda_runtime_api.h" ] && [ -e "$cuda_home/lib64/libcudart.so" ] ||
  { echo "check-cuda-build: no CUDA toolkit (include/cuda_runtime_api.h, lib64/libcudart.so) in $cuda_home" >&2; exit 1; }
[ -d node_modules/node-addon-api ] || { echo "check-cuda-build: run npm ci first" >&2; exit 1; }

# What CMake takes from LibTorch's TorchConfig.cmake: the C++ standard (cmake/LocateLibTorch.cmake
# uses it when above 17) and the C++ ABI flag (pip wheels before 2.7 use the old ABI).
config=$(find "$prefix" -name TorchConfig.cmake | head -1)
[ -n "$config" ] || { echo "check-cuda-build: no TorchConfig.cmake under $prefix" >&2; exit 1; }
std=$(grep -oE 'CXX_STANDARD [0-9]+' "$config" | grep -oE '[0-9]+$' | head -1 || true)
[ -n "$std" ] && [ "$std" -gt 17 ] || std=17
abi=$(grep -oE '_GLIBCXX_USE_CXX11_ABI=[01]' "$config" | head -1 || true)
# The same flags as CMakeLists.txt gives the CUDA build; -O0 because only errors are wanted.
flags=(-std=c++$std -fPIC -O0 -Wall -Wno-unused-parameter -Wno-sign-compare ${abi:+-D$abi}
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION
  -DADX_WITH_CUDA=1 -DADX_WITH_CUDA_GRAPHS=1
  -Inative -Inode_modules/node-addon-api -Inode_modules/node-api-headers/include
  -isystem "$prefix/include" -isystem "$prefix/include/torch/csrc/api/include" -isystem "$cuda_home/include")

rm -rf "$work" && mkdir -p "$work/obj" "$work/logs"
cp native/pch.h "$work/pch.h"
g++ "${flags[@]}" -x c++-header "$work/pch.h" -o "$work/pch.h.gch" 2> "$work/logs/pch.log" ||
  { head -40 "$work/logs/pch.log"; echo "check-cuda-build: LibTorch's headers do not compile" >&2; exit 1; }
version=$(printf '#include <torch/version.h>\nTORCH_VERSION_MAJOR.TORCH_VERSION_MINOR.TORCH_VERSION_PATCH\n' |
  g++ "${flags[@]}" -E -P -x c++ - | tail -1 | tr -d ' ')
echo "check-cuda-build: LibTorch $version (CUDA) from $prefix, C++$std, g++ $(g++ -dumpfullversion)"

export work
compile_one() {
  local name
  name=$(echo "$1" | tr / _)
  g++ "${@:2}" -Winvalid-pch -include "$work/pch.h" -c "$1" -o "$work/obj/$name.o" > "$work/logs/$name.log" 2>&1 ||
    { echo "FAILED $1"; grep -m 10 -E 'error' "$work/logs/$name.log"; return 1; }
}
export -f compile_one
sources=$(find native -name '*.cc' | sort)
failed=0
echo "$sources" | xargs -P "$(nproc)" -I{} bash -c 'compile_one "$@"' _ {} "${flags[@]}" || failed=1
[ "$failed" -eq 0 ] || { echo "check-cuda-build: compile errors (logs in $work/logs)" >&2; exit 1; }
echo "check-cuda-build: compiled $(echo "$sources" | wc -l) translation units"

# Node-API symbols are the only ones node provides: every other unresolved symbol, and any other
# linker error, is a real failure. (Warnings about the CUDA runtime libraries that LibTorch itself
# needs are not: this machine need not have them.)
g++ -shared -o "$work/adautomix.node" "$work"/obj/*.o -L"$lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda \
  -L"$cuda_home/lib64" -lcudart \
  -Wl,--no-undefined -Wl,--allow-shlib-undefined > "$work/logs/link.log" 2>&1 || true
problems=$(grep -v -E "in function|(undefined reference to|more undefined references to) \`(napi_|node_api_)|collect2: error: ld returned|warning:" \
  "$work/logs/link.log" | sed 's/.*undefined reference to //' | sort -u || true)
if [ -n "$problems" ]; then
  echo "$problems" | head -30
  echo "check-cuda-build: the link against LibTorch $version failed (log: $work/logs/link.log)" >&2
  exit 1
fi
echo "check-cuda-build: linked; only Node-API symbols are left for node to provide"
