#!/usr/bin/env node
// Accuracy benchmark (issue: accuracy benchmark): vanilla, Mixup, CutMix, FMix, ManifoldMix,
// ResizeMix, PuzzleMix, AutoMix and AdAutoMix trained with the same backbone, budget and seeds on
// Fashion-MNIST, then a table per method: the median test top-1 of the last 10 epochs (every head
// for AutoMix/AdAutoMix), mean ± std over seeds, ECE (15 bins), wall time and img/s.
//
// Every run is its own run folder with checkpoints, so the benchmark can be stopped and started
// again: finished runs are read back, unfinished ones resume from their newest checkpoint.
//
//   npm run build:ts && node benchmarks/accuracy.mjs --budget cpu|full|smoke [--out DIR]
//        [--methods vanilla,mixup,...] [--seeds N] [--epochs N] [--threads N] [--device D] [--json]
//
// Budgets:
//   cpu    ResNet-18 CIFAR stem at width 16, all 60k/10k Fashion-MNIST images, batch 128, SGD 0.1
//          (Nesterov, wd 5e-4, per-iteration cosine to 0), crop 2 + flip, 1 seed, `--epochs`
//          (default 4) epochs: about 2 hours on a 2-core CPU (the limit is 3 hours).
//   full   the full-width ResNet-18 CIFAR variant, 200 epochs, 3 seeds: a CUDA job.
//   smoke  width 4, 640/200 images, 1 epoch: checks the driver in seconds.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mean, std } from './seed-stats.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(pathToFileURL(path.join(repoRoot, 'dist', 'index.js')).href);
const { CheckpointStore } = await import(pathToFileURL(path.join(repoRoot, 'dist', 'train', 'checkpoints.js')).href);
const { RunDir } = await import(pathToFileURL(path.join(repoRoot, 'dist', 'report', 'run-dir.js')).href);
const { RunLogger } = await import(pathToFileURL(path.join(repoRoot, 'dist', 'report', 'run-log.js')).href);
const { median } = await import(pathToFileURL(path.join(repoRoot, 'dist', 'eval', 'reported.js')).href);

const METHODS = ['vanilla', 'mixup', 'cutmix', 'fmix', 'manifoldmix', 'resizemix', 'puzzlemix', 'automix', 'adautomix'];
const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: 'cpu' },
    out: { type: 'string' },
    methods: { type: 'string', default: METHODS.join(',') },
    seeds: { type: 'string' },
    epochs: { type: 'string' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    device: { type: 'string', default: 'auto' },
    json: { type: 'boolean', default: false },
  },
});

const BUDGETS = {
  cpu: { width: 16, epochs: 4, seeds: 1, trainLimit: undefined, testLimit: undefined },
  full: { width: 64, epochs: 200, seeds: 3, trainLimit: undefined, testLimit: undefined },
  smoke: { width: 4, epochs: 1, seeds: 1, trainLimit: 640, testLimit: 200 },
};
const budget = BUDGETS[values.budget];
if (!budget) throw new Error(`--budget must be one of ${Object.keys(BUDGETS).join(', ')}`);
const epochs = values.epochs ? Number(values.epochs) : budget.epochs;
const seeds = values.seeds ? Number(values.seeds) : budget.seeds;
const methods = values.methods.split(',');
for (const m of methods) if (!METHODS.includes(m)) throw new Error(`unknown method ${m}; known: ${METHODS.join(', ')}`);
const out = values.out ?? path.join(repoRoot, 'benchmarks', 'results', `accuracy-${values.budget}`);

/** The run's config: fmnist-quick's recipe at the budget's width and epochs (learned methods: its EMA defaults). */
function config(method, seed) {
  return {
    preset: 'fmnist-quick',
    method,
    model: { baseWidth: budget.width },
    epochs,
    seed,
    threads: Number(values.threads),
    device: values.device,
    dataset: { name: 'fashion-mnist', ...(budget.trainLimit && { trainLimit: budget.trainLimit, testLimit: budget.testLimit }) },
    checkpoint: { every: 1, keep: 1 },
  };
}

async function exists(p) {
  return fs.access(p).then(() => true, () => false);
}

/** Trains (or resumes) one run; returns its history and evaluation. */
async function run(method, seed) {
  const dir = path.join(out, `${method}-s${seed}`);
  const done = path.join(dir, 'done.json');
  if (await exists(done)) return JSON.parse(await fs.readFile(done, 'utf8'));
  const checkpoints = path.join(dir, 'checkpoints');
  const resuming = (await new CheckpointStore(checkpoints).latest()) !== null;
  const trainer = resuming ? (await lib.resumeTrainer(dir)).trainer : await lib.createTrainer(config(method, seed));
  try {
    const runDir = resuming ? await RunDir.reopen(dir, trainer.progress.epoch, trainer.progress.globalStep) : await RunDir.create(dir);
    if (!resuming) await runDir.writeConfig({ ...trainer.config, resolved: { ...trainer.info } });
    const log = await RunLogger.open(runDir, { everySteps: 0, tensorboard: false });
    console.error(`accuracy: ${method} seed ${seed}${resuming ? ` (resuming at epoch ${trainer.progress.epoch + 1})` : ''}`);
    const summary = await trainer.fit({
      checkpoints: new CheckpointStore(checkpoints, 1),
      onEpochEnd: async (m) => {
        console.error(`accuracy: ${method} seed ${seed} epoch ${m.epoch}: top-1 ${m.top1.toFixed(2)}% (${m.head})`);
        await log.epoch(m, trainer.progress.globalStep);
      },
    });
    await trainer.saveWeights(runDir.weightsPath);
    const evaluation = await lib.evaluateRun(trainer, trainer.data.test, { fgsm: false });
    const result = { method, seed, history: summary.history, ece15: Object.fromEntries(Object.entries(evaluation.heads).map(([h, v]) => [h, v.ece15])) };
    await fs.writeFile(done, JSON.stringify(result));
    return result;
  } finally {
    await trainer.dispose();
  }
}


await fs.mkdir(out, { recursive: true });
const rows = [];
for (const method of methods) {
  const results = [];
  for (let seed = 0; seed < seeds; seed++) results.push(await run(method, seed));
  const heads = Object.keys(results[0].history.at(-1).heads);
  const perHead = Object.fromEntries(heads.map((h) => {
    const medians = results.map((r) => median(r.history.slice(-10).map((m) => m.heads[h].top1)));
    const last = results.map((r) => r.history.at(-1).heads[h].top1);
    return [h, { mean: mean(medians), std: std(medians), seeds: medians, last: mean(last) }];
  }));
  const reportedHead = heads.includes('one_k') ? 'one_k' : heads[0];
  rows.push({
    method,
    heads: perHead,
    ece15: mean(results.map((r) => r.ece15[reportedHead])),
    wall_seconds: mean(results.map((r) => r.history.reduce((s, m) => s + m.seconds, 0))),
    img_per_s: mean(results.map((r) => mean(r.history.map((m) => m.imgPerSec)))),
  });
}

const table = {
  benchmark: 'accuracy', budget: values.budget, epochs, seeds, width: budget.width, dataset: 'fashion-mnist',
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() }, torch: lib.loadNative().buildInfo().torchVersion, rows,
};
await fs.writeFile(path.join(out, 'table.json'), `${JSON.stringify(table, null, 1)}\n`);
// One seed has no spread to show: a "± 0.00" would read as a measured zero.
const fmt = (h) => (seeds > 1 ? `${h.mean.toFixed(2)} ± ${h.std.toFixed(2)}` : h.mean.toFixed(2));
const overSeeds = seeds > 1 ? `mean ± std over ${seeds} seeds` : 'seed 0';
const md = [
  `| method | top-1 (%), median of the last ${Math.min(10, epochs)} epochs (${overSeeds}) | top-1 (%) after the last epoch | ECE (%), 15 bins, reported head | wall time | img/s |`,
  '|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const many = Object.keys(r.heads).length > 1;
    const cell = (f) => Object.entries(r.heads).map(([h, v]) => (many ? `${h} ${f(v)}` : f(v))).join('; ');
    return `| ${r.method} | ${cell(fmt)} | ${cell((v) => v.last.toFixed(2))} | ${r.ece15.toFixed(2)} | ${(r.wall_seconds / 60).toFixed(1)} min | ${r.img_per_s.toFixed(0)} |`;
  }),
].join('\n');
await fs.writeFile(path.join(out, 'table.md'), `${md}\n`);
console.log(values.json ? JSON.stringify(table) : md);
