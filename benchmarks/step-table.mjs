#!/usr/bin/env node
// Turns the JSON lines of benchmarks/step.mjs --json (e.g. benchmarks/gpu-steps.sh's steps.jsonl)
// into a Markdown table: img/s and peak GPU memory of ours and the reference, and their ratios.
//
//   node benchmarks/step-table.mjs steps.jsonl [more.jsonl ...] > table.md
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node benchmarks/step-table.mjs steps.jsonl [...]\n');
  process.exit(2);
}
const runs = files.flatMap((f) =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l)),
);

const fixed = (x, d) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const times = (x) => (x == null || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);
const onCuda = (r) => String(r.device ?? '').startsWith('cuda');
const mode = (r) => {
  const s = r.speed ?? {};
  const all = s.channelsLast && s.cudnnBenchmark && s.pinnedMemory && s.deviceAugment;
  const base = all ? `${s.precision}, every speed option` : s.precision ?? 'fp32';
  const graphs = all && !s.cudaGraphs ? ', no CUDA graphs' : '';
  // TF32 at its default (cuDNN convolutions in TF32 on both sides) goes unsaid; the footnote says it.
  // (On the CPU info.speed says 'off': there is no TF32 there.)
  const tf32 = !onCuda(r) ? '' : s.tf32 === 'off' ? ', no TF32' : s.tf32 === 'all' ? ', TF32 matmuls too' : '';
  return s.multiTensor === false ? `${base}${graphs}${tf32}, per-parameter updates` : `${base}${graphs}${tf32}`;
};
const method = (r) => (r.method === 'adautomix' ? `AdAutoMix N=${r.sources}` : r.method === 'automix' ? 'AutoMix' : r.method);

const lines = [
  '| model | method | mode | ours img/s | reference img/s | speed ratio | ours peak GPU MiB | reference peak GPU MiB | memory ratio |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const r of runs) {
  const ref = r.reference ?? {};
  lines.push(
    `| ${r.arch} | ${method(r)} | ${mode(r)} | ${fixed(r.img_per_s, 0)} | ${fixed(ref.img_per_s, 0)} | ${times(r.ratio)} | ` +
      `${fixed(r.peak_gpu_mb, 0)} | ${fixed(ref.peak_gpu_mb, 0)} | ${times(r.memory_ratio)} |`,
  );
}
const first = runs[0] ?? {};
lines.push('', `Batch ${first.batch}, ${first.size}x${first.size}x${first.channels}, ${first.classes} classes; ${first.device ?? '?'}; LibTorch ${first.torch ?? '?'}, reference torch ${first.reference?.torch ?? '?'}.`);
if (onCuda(first)) {
  lines.push('On CUDA, fp32 convolutions run as TF32 on both sides unless the mode says otherwise (PyTorch\'s default, speed.tf32 \'convolutions\').');
}
process.stdout.write(`${lines.join('\n')}\n`);
