#!/usr/bin/env bash
# The CUDA step benchmark of the table: for each architecture given (default: ResNet-18 and
# ResNeXt-50, CIFAR variants, batch 100, 3x32x32, 100 classes), vanilla, AutoMix and AdAutoMix
# (N = 3), each ours against benchmarks/reference in one run of benchmarks/step.mjs, in fp32, in
# bf16, and with every speed option on (--fast; the reference gets bf16, channels_last and
# cudnn.benchmark), --fast without CUDA graphs, plus AdAutoMix --fast with LibTorch's per-parameter
# optimizer and EMA loops (no graphs). One JSON line per run goes to $OUT/steps.jsonl (or ./steps.jsonl); turn it into
# the committed table with `node benchmarks/step-table.mjs steps.jsonl`.
# --ablations adds, per architecture, what each speed option is worth: vanilla and AdAutoMix with
# --fast, then --fast less one option at a time, ours only (--no-reference); step-table puts
# these in a second table against the full --fast row.
#
# --ablations-only runs the ablations alone.
#
#   bash benchmarks/gpu-steps.sh [--ablations | --ablations-only] [arch ...]
# Env: ADX_STEPS (timed steps, default 50), ADX_WARMUP (default 10), ADX_BUDGET_S (no new run
# starts after this many seconds, default 500: a device command has 600), ADX_STEP_FLAGS (flags
# appended to every step.mjs run, where they win: a rehearsal on the CPU can run the whole script
# with ADX_STEPS=1 ADX_WARMUP=1 ADX_STEP_FLAGS="--device cpu --width 16 --batch 8").
# Below --width 16 step.mjs refuses a CPU channels-last run with the reference (oneDNN #6035).
set -uo pipefail
out=${OUT:-.}
ablations=0
main_table=1
case "${1:-}" in
  --ablations) ablations=1; shift ;;
  --ablations-only) ablations=1; main_table=0; shift ;;  # e.g. in a later device call than the main table
esac
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(resnet18_cifar resnext50_32x4d_cifar)
steps=${ADX_STEPS:-50}
warmup=${ADX_WARMUP:-10}
budget=${ADX_BUDGET_S:-500}
started=$(date +%s)
# One run of step.mjs, unless the time budget is spent: step ARCH METHOD MODE_FLAGS...
step() {
  local arch=$1 method=$2
  shift 2
  if [ $(( $(date +%s) - started )) -gt "$budget" ]; then
    echo "gpu-steps: budget of ${budget} s spent, skipping $arch $method $*" >&2
    return
  fi
  local extra=()
  [ "$method" = vanilla ] && [ "$arch" != resnet18_cifar ] && extra+=(--torchvision)
  # shellcheck disable=SC2086  # ADX_STEP_FLAGS is a list of flags
  if ! node benchmarks/step.mjs --json --device cuda --arch "$arch" --method "$method" --sources 3 \
      --batch 100 --size 32 --channels 3 --classes 100 --threads "$(nproc)" \
      --warmup "$warmup" --steps "$steps" "$@" "${extra[@]}" ${ADX_STEP_FLAGS:-} >> "$out/steps.jsonl"; then
    echo "gpu-steps: $arch $method $* failed" >&2
    return
  fi
  tail -1 "$out/steps.jsonl" | cut -c1-400
}
for arch in "${archs[@]}"; do
  [ "$main_table" = 1 ] || break
  for method in vanilla automix adautomix; do
    # --fast includes CUDA graphs; "--fast --no-cuda-graphs" says what the graphs are worth.
    modes=("--precision fp32" "--precision bf16" "--fast" "--fast --no-cuda-graphs")
    # What the multi-tensor updates are worth: LibTorch's per-parameter loops, AdAutoMix only.
    [ "$method" = adautomix ] && modes+=("--fast --no-multi-tensor --no-cuda-graphs")
    for mode in "${modes[@]}"; do
      # shellcheck disable=SC2086
      step "$arch" "$method" $mode
    done
  done
done
# Leave-one-out: --fast, then --fast less each option (ours only; the reference has no such switches).
if [ "$ablations" = 1 ]; then
  for arch in "${archs[@]}"; do
    for method in vanilla adautomix; do
      for less in "" "--precision fp32" --no-channels-last --no-cudnn-benchmark --no-pinned-memory \
          --no-device-augment --no-cuda-graphs --no-multi-tensor; do
        # shellcheck disable=SC2086
        step "$arch" "$method" --fast --no-reference $less
      done
    done
  done
fi
