#!/usr/bin/env bash
# The CUDA step benchmark of the table: for each architecture given (default: ResNet-18 and
# ResNeXt-50, CIFAR variants, batch 100, 3x32x32, 100 classes), vanilla, AutoMix and AdAutoMix
# (N = 3), each ours against benchmarks/reference in one run of benchmarks/step.mjs, in fp32, in
# bf16, and with every speed option on (--fast; the reference gets bf16, channels_last and
# cudnn.benchmark), --fast without CUDA graphs, plus AdAutoMix --fast with LibTorch's per-parameter
# optimizer and EMA loops (no graphs). One JSON line per run goes to $OUT/steps.jsonl (or ./steps.jsonl); turn it into
# the committed table with `node benchmarks/step-table.mjs steps.jsonl`.
#
#   bash benchmarks/gpu-steps.sh [arch ...]
# Env: ADX_STEPS (timed steps, default 50), ADX_WARMUP (default 10), ADX_BUDGET_S (no new run
# starts after this many seconds, default 500: a device command has 600).
set -uo pipefail
out=${OUT:-.}
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(resnet18_cifar resnext50_32x4d_cifar)
steps=${ADX_STEPS:-50}
warmup=${ADX_WARMUP:-10}
budget=${ADX_BUDGET_S:-500}
started=$(date +%s)
for arch in "${archs[@]}"; do
  for method in vanilla automix adautomix; do
    # --fast includes CUDA graphs; "--fast --no-cuda-graphs" says what the graphs are worth.
    modes=("--precision fp32" "--precision bf16" "--fast" "--fast --no-cuda-graphs")
    # What the multi-tensor updates are worth: LibTorch's per-parameter loops, AdAutoMix only.
    [ "$method" = adautomix ] && modes+=("--fast --no-multi-tensor --no-cuda-graphs")
    for mode in "${modes[@]}"; do
      if [ $(( $(date +%s) - started )) -gt "$budget" ]; then
        echo "gpu-steps: budget of ${budget} s spent, skipping $arch $method $mode" >&2
        continue
      fi
      extra=()
      [ "$method" = vanilla ] && [ "$arch" != resnet18_cifar ] && extra+=(--torchvision)
      # shellcheck disable=SC2086
      if ! node benchmarks/step.mjs --json --device cuda --arch "$arch" --method "$method" --sources 3 \
          --batch 100 --size 32 --channels 3 --classes 100 --threads "$(nproc)" \
          --warmup "$warmup" --steps "$steps" $mode "${extra[@]}" >> "$out/steps.jsonl"; then
        echo "gpu-steps: $arch $method $mode failed" >&2
      fi
      tail -1 "$out/steps.jsonl" | cut -c1-400
    done
  done
done
