#!/usr/bin/env bash
# Prepares .device/ for a run on the lent CUDA machine, which has PyTorch 2.x (LibTorch with CUDA),
# cmake and a compiler but no Node, no npm and no network (../shared/gpu/README.md):
#   - .device/node.xz and .device/on-device.sh: this machine's Node (../shared/gpu/pack-node.sh);
#   - .device/cargo.tar.xz: the compiled TypeScript (dist/) and the npm packages that the plain
#     cmake build (node-addon-api, node-api-headers) and the tests (vitest, sharp) need.
# TypeScript and the type declarations stay behind: vitest compiles the tests itself. The whole of
# .device/ must stay under the device tool's 64 MiB carry limit; this script checks it.
#
# Then, with the device tool: carry [".device"] and run
#   bash .device/on-device.sh 'bash scripts/gpu-run.sh <command...>'
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
shared=${ADX_SHARED:-$root/../shared}
[ -f "$shared/gpu/pack-node.sh" ] || { echo "gpu-pack: $shared/gpu/pack-node.sh not found (set ADX_SHARED)" >&2; exit 1; }
mkdir -p "$(git rev-parse --git-dir)/info"  # pack-node.sh records .device/ there; a fresh clone may lack the folder
bash "$shared/gpu/pack-node.sh" >/dev/null
npm run build:ts >/dev/null
tar -C "$root" -cf - \
  --exclude=node_modules/typescript --exclude=node_modules/@types --exclude=node_modules/.cache \
  node_modules dist | xz -T2 -6 > .device/cargo.tar.xz
size=$(du -sb .device | cut -f1)
du -sh .device/*
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
  echo "gpu-pack: .device is $((size / 1024 / 1024)) MiB, over the 64 MiB carry limit" >&2
  exit 1
fi
echo "gpu-pack: ready; carry [\".device\"], command: bash .device/on-device.sh 'bash scripts/gpu-run.sh <command>'"
