#!/usr/bin/env bash
# The test suite on CUDA, each test file in its own vitest process, six at a time (run inside
# scripts/gpu-run.sh on the device machine). One vitest run for the whole suite loses every
# result when one worker dies ("Channel closed"); here a crash fails its own file only and names
# it. Prints one line per file (rc, seconds, counts) and the CUDA tests' own measurements; keeps
# the logs in $OUT/test-files.txt and $OUT/testlogs.tgz.
#
#   bash .device/on-device.sh 'bash scripts/gpu-run.sh bash scripts/gpu-test-files.sh'
# ADX_TEST_FILES (space-separated paths) runs only those files, e.g. the ones that failed.
set -uo pipefail
out=${OUT:-/tmp/adx-gpu-out}
mkdir -p "$out"
logs=$(mktemp -d)
export logs
one_file() {
  local name started
  name=$(basename "$1" .test.ts)
  started=$(date +%s)
  ADX_TEST_DEVICE=${ADX_TEST_DEVICE:-cuda} timeout "${ADX_FILE_TIMEOUT_S:-200}" \
    node node_modules/vitest/vitest.mjs run "$1" > "$logs/$name.log" 2>&1
  echo "$name rc=$? $(( $(date +%s) - started ))s $(grep -h '^tests:' "$logs/$name.log")"
}
export -f one_file
echo ${ADX_TEST_FILES:-test/*.test.ts} | tr ' ' '\n' | xargs -P 6 -I{} bash -c 'one_file {}' | sort > "$out/test-files.txt"
cat "$out/test-files.txt"
# What the CUDA-aware tests print: repeatability of runs, graphs against eager steps.
grep -h "same run on\|CUDA graphs," "$logs"/*.log | sort -u
tar -czf "$out/testlogs.tgz" -C "$logs" .
awk '{ for (i = 1; i <= NF; i++) { if ($i == "passed,") p += $(i - 1); if ($i == "failed,") f += $(i - 1); if ($i == "skipped") s += $(i - 1) } }
  END { printf "all files: %d passed, %d failed, %d skipped\n", p, f, s }' "$out/test-files.txt"
! grep -qv " rc=0 " "$out/test-files.txt"
