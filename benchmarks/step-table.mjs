#!/usr/bin/env node
// Turns the JSON lines of benchmarks/step.mjs --json (e.g. benchmarks/gpu-steps.sh's steps.jsonl)
// into Markdown: a table of img/s and peak GPU memory of ours and the reference with their
// ratios, and, for the runs made without the reference (gpu-steps.sh --ablations), a table of what
// each speed option is worth: --fast less that option against the full --fast run.
//
//   node benchmarks/step-table.mjs steps.jsonl [more.jsonl ...] > table.md
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// Each speed option's name in a table; what --fast sets it to is the library's SPEED_FAST (from
// dist/: run `npm run build:ts` first).
const OPTION_NAMES = {
  precision: 'bf16',
  channelsLast: 'channels-last',
  cudnnBenchmark: 'cuDNN autotuning',
  pinnedMemory: 'pinned memory',
  deviceAugment: 'crop/flip on the GPU',
  cudaGraphs: 'CUDA graphs',
  multiTensor: 'multi-tensor updates',
};
const speedModule = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'config', 'speed.js');
const { SPEED_FAST } = await import(pathToFileURL(speedModule).href);
const FAST = Object.fromEntries(Object.keys(OPTION_NAMES).map((k) => [k, SPEED_FAST[k]]));
const lacking = (r) => Object.keys(FAST).filter((k) => (r.speed ?? {})[k] !== FAST[k]);
const listed = (keys) => {
  const names = keys.map((k) => OPTION_NAMES[k]);
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
};

const fixed = (x, d) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const times = (x) => (x == null || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);
const onCuda = (r) => String(r.device ?? '').startsWith('cuda');
// TF32 at its default (cuDNN convolutions in TF32 on both sides) goes unsaid; the footnote says it.
// (On the CPU info.speed says 'off': there is no TF32 there.)
const tf32 = (r) => (!onCuda(r) ? '' : r.speed?.tf32 === 'off' ? ', no TF32' : r.speed?.tf32 === 'all' ? ', TF32 matmuls too' : '');
const mode = (r) => {
  const less = lacking(r);
  const base =
    less.length === 0
      ? 'every speed option'
      : less.length <= 2
        ? `every speed option but ${listed(less)}`
        : `${r.speed?.precision ?? 'fp32'}${r.speed?.multiTensor === false ? ', per-parameter updates' : ''}`;
  return base + tf32(r);
};
const method = (r) => (r.method === 'adautomix' ? `AdAutoMix N=${r.sources}` : r.method === 'automix' ? 'AutoMix' : r.method);
const sameStep = (a, b) => a.arch === b.arch && a.method === b.method && a.sources === b.sources;

const compared = runs.filter((r) => r.with_reference !== false);
const ablations = runs.filter((r) => r.with_reference === false);

const lines = [];
if (compared.length > 0) {
  lines.push(
    '| model | method | mode | ours img/s | reference img/s | speed ratio | ours peak GPU MiB | reference peak GPU MiB | memory ratio |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of compared) {
    const ref = r.reference ?? {};
    lines.push(
      `| ${r.arch} | ${method(r)} | ${mode(r)} | ${fixed(r.img_per_s, 0)} | ${fixed(ref.img_per_s, 0)} | ${times(r.ratio)} | ` +
        `${fixed(r.peak_gpu_mb, 0)} | ${fixed(ref.peak_gpu_mb, 0)} | ${times(r.memory_ratio)} |`,
    );
  }
}
if (ablations.length > 0) {
  if (lines.length > 0) lines.push('');
  lines.push(
    'What each speed option is worth (ours only): `--fast` less one option, against the full `--fast` run of the same step.',
    '',
    '| model | method | without | img/s | vs. every option | peak GPU MiB | vs. every option |',
    '|---|---|---|---|---|---|---|',
  );
  for (const r of ablations) {
    const full = ablations.find((f) => sameStep(f, r) && lacking(f).length === 0);
    const less = lacking(r);
    lines.push(
      `| ${r.arch} | ${method(r)} | ${less.length === 0 ? '(nothing: every option)' : listed(less)}${tf32(r)} | ` +
        `${fixed(r.img_per_s, 0)} | ${times(full ? r.img_per_s / full.img_per_s : null)} | ` +
        `${fixed(r.peak_gpu_mb, 0)} | ${times(full && full.peak_gpu_mb > 0 ? r.peak_gpu_mb / full.peak_gpu_mb : null)} |`,
    );
  }
}
const first = runs[0] ?? {};
lines.push(
  '',
  `Batch ${first.batch}, ${first.size}x${first.size}x${first.channels}, ${first.classes} classes; ${first.device ?? '?'}; ` +
    `LibTorch ${first.torch ?? '?'}, reference torch ${compared[0]?.reference?.torch ?? '?'}.`,
  'Every speed option (`--fast`): bf16 autocast, channels-last, cuDNN autotuning, pinned memory, crop/flip on the GPU, ' +
    'CUDA graphs and multi-tensor updates; the reference gets bf16, channels_last and cudnn.benchmark.',
);
if (onCuda(first)) {
  lines.push('On CUDA, fp32 convolutions run as TF32 on both sides unless the mode says otherwise (PyTorch\'s default, speed.tf32 \'convolutions\').');
}
process.stdout.write(`${lines.join('\n')}\n`);
