#!/usr/bin/env node
// Accuracy parity (issue: accuracy benchmark): AdAutoMix trained by the addon and by the plain
// PyTorch reference (benchmarks/reference/train_adautomix_reference.py) with the same recipe
// (fmnist-quick --method adautomix), data, budget and seeds; per seed the test top-1 of every
// head after the last epoch, then mean ± std per side and whether the difference of the means of
// the reported head (one_k) lies within the seed-to-seed spread (the larger of the two stds).
//
//   npm run build:ts && node benchmarks/parity.mjs [--seeds 3] [--epochs 2] [--width 16]
//        [--train-limit N] [--test-limit N] [--threads N] [--out FILE] [--json]
//
// With --out, every finished seed is written to FILE at once, and a later run with the same
// settings reads those seeds back instead of training them again, so a stopped run loses at most
// the seed in progress.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mean, std } from './seed-stats.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(pathToFileURL(path.join(repoRoot, 'dist', 'index.js')).href);
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '2' },
    width: { type: 'string', default: '16' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds), epochs = Number(values.epochs), width = Number(values.width), threads = Number(values.threads);
const trainLimit = values['train-limit'] ? Number(values['train-limit']) : undefined;
const testLimit = values['test-limit'] ? Number(values['test-limit']) : undefined;
const python = process.env.ADX_PYTHON ?? '/usr/bin/python3';

async function ours(seed) {
  const trainer = await lib.createTrainer({
    preset: 'fmnist-quick', method: 'adautomix', model: { baseWidth: width }, epochs, seed, threads, device: 'cpu',
    dataset: { name: 'fashion-mnist', ...(trainLimit && { trainLimit }), ...(testLimit && { testLimit }) },
  });
  try {
    const started = performance.now();
    const summary = await trainer.fit();
    return { heads: Object.fromEntries(Object.entries(summary.history.at(-1).heads).map(([h, v]) => [h, v.top1])), seconds: (performance.now() - started) / 1000 };
  } finally {
    await trainer.dispose();
  }
}

function reference(seed) {
  const args = [path.join(repoRoot, 'benchmarks', 'reference', 'train_adautomix_reference.py'), '--width', String(width), '--epochs', String(epochs),
    '--seed', String(seed), '--threads', String(threads), ...(trainLimit ? ['--train-limit', String(trainLimit)] : []), ...(testLimit ? ['--test-limit', String(testLimit)] : [])];
  const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`reference failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return { heads: out.epochs.at(-1).heads, seconds: out.seconds };
}

const settings = { method: 'adautomix', recipe: 'fmnist-quick', width, epochs, trainLimit: trainLimit ?? null, testLimit: testLimit ?? null };

/** The seeds an earlier run with the same settings finished, from --out (none when absent or for other settings). */
async function finishedRuns() {
  if (!values.out) return [];
  const saved = await fs.readFile(values.out, 'utf8').then(JSON.parse, () => null);
  if (!saved) return [];
  const same = Object.entries(settings).every(([k, v]) => saved[k] === v);
  if (!same) throw new Error(`${values.out} holds a parity run with other settings; give another --out`);
  return saved.runs;
}

const runs = (await finishedRuns()).filter((r) => r.seed < seeds);
for (let seed = 0; seed < seeds; seed++) {
  if (runs.some((r) => r.seed === seed)) {
    console.error(`parity: seed ${seed}: read back from ${values.out}`);
    continue;
  }
  console.error(`parity: seed ${seed}: ours`);
  const a = await ours(seed);
  console.error(`parity: seed ${seed}: ours one_k ${a.heads.one_k.toFixed(2)}; reference`);
  const b = reference(seed);
  console.error(`parity: seed ${seed}: reference one_k ${b.heads.one_k.toFixed(2)}`);
  runs.push({ seed, ours: a, reference: b });
  if (values.out) await fs.writeFile(values.out, `${JSON.stringify({ ...settings, runs }, null, 1)}\n`);
}
runs.sort((a, b) => a.seed - b.seed);
const heads = Object.keys(runs[0].ours.heads);
const summary = Object.fromEntries(heads.map((h) => {
  const x = runs.map((r) => r.ours.heads[h]), y = runs.map((r) => r.reference.heads[h]);
  return [h, { ours: { mean: mean(x), std: std(x) }, reference: { mean: mean(y), std: std(y) } }];
}));
const k = summary.one_k;
const spread = Math.max(k.ours.std, k.reference.std);
const result = {
  benchmark: 'accuracy-parity', ...settings, seeds,
  torch: lib.loadNative().buildInfo().torchVersion, machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() },
  runs, summary, one_k_difference: k.ours.mean - k.reference.mean, spread, within_spread: Math.abs(k.ours.mean - k.reference.mean) <= spread,
};
if (values.out) await fs.writeFile(values.out, `${JSON.stringify(result, null, 1)}\n`);
if (values.json) console.log(JSON.stringify(result));
else {
  for (const h of heads) console.log(`${h}: ours ${summary[h].ours.mean.toFixed(2)} ± ${summary[h].ours.std.toFixed(2)}, reference ${summary[h].reference.mean.toFixed(2)} ± ${summary[h].reference.std.toFixed(2)}`);
  console.log(`one_k difference ${result.one_k_difference.toFixed(2)} (spread ${spread.toFixed(2)}): ${result.within_spread ? 'within' : 'outside'} the seed-to-seed spread`);
}
