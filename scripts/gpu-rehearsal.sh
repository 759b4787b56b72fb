#!/usr/bin/env bash
# Rehearses a run on the lent CUDA machine here, without a GPU, so that a device session spends no
# device minutes on build problems. It does what the device tool and the device do:
#   - scripts/gpu-pack.sh fills .device/ (Node and the cargo);
#   - the working tree as the device tool copies it (tracked files and untracked ones git does not
#     ignore) goes to $ADX_REHEARSAL_DIR (default /var/tmp/adx-rehearsal), with .device/; its
#     build/ is kept between rehearsals, as the device keeps ignored build outputs between calls;
#   - there, .device/on-device.sh runs scripts/gpu-run.sh with the given command (default: the
#     whole test suite), with VENV's python3 first on PATH.
# VENV must hold a CUDA build of PyTorch (the default `pip install torch` on Linux is one), and a
# CUDA toolkit must be installed (PyTorch's CMake files look for it). So the configure, the plain
# cmake build with the CUDA parts and CUDA graphs, the loading of libtorch_cuda and the suite are
# those of the device, all on the CPU (torch.cuda.is_available() is false here).
#
#   bash scripts/gpu-rehearsal.sh VENV [command...]
#   e.g. bash scripts/gpu-rehearsal.sh /var/tmp/venv-torch node node_modules/vitest/vitest.mjs run test/speed.test.ts
# Logs: $OUT (default /tmp/adx-rehearsal-out): run.log, and gpu-run.sh's build.log.
set -euo pipefail
venv=${1:?usage: bash scripts/gpu-rehearsal.sh VENV [command...]}
shift
[ $# -gt 0 ] || set -- node node_modules/vitest/vitest.mjs run
venv=$(cd "$venv" && pwd)
"$venv/bin/python3" -c 'import torch, sys; sys.exit(0 if torch.version.cuda else "gpu-rehearsal: this torch is not a CUDA build")'
root=$(git rev-parse --show-toplevel)
work=${ADX_REHEARSAL_DIR:-/var/tmp/adx-rehearsal}
out=${OUT:-/tmp/adx-rehearsal-out}

(cd "$root" && bash scripts/gpu-pack.sh >/dev/null)
mkdir -p "$work" "$out"
find "$work" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
git -C "$root" ls-files -z -c -o --exclude-standard |
  tar -C "$root" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$work" -xf -
cp -r "$root/.device" "$work/"

cd "$work"
started=$(date +%s)
PATH="$venv/bin:$PATH" OUT="$out" bash .device/on-device.sh "bash scripts/gpu-run.sh $(printf '%q ' "$@")" 2>&1 | tee "$out/run.log"
status=${PIPESTATUS[0]}
echo "gpu-rehearsal: exit $status after $(( $(date +%s) - started )) s; logs in $out" >&2
exit "$status"
