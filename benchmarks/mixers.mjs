#!/usr/bin/env node
// Cost of the classic mixup methods (issue: classic mixup family): per method, the mixing time
// per batch (ms, as the step reports it: the mixer's own work; ManifoldMix: its in-network
// blends) and the training-step img/s relative to vanilla, in one process, on one synthetic batch.
// Default: ResNet-18 CIFAR variant, batch 100, 3x32x32, 100 classes. Methods run in interleaved
// rounds so that machine drift spreads over all of them.
//
//   npm run build:ts && node benchmarks/mixers.mjs [--rounds 3] [--steps 2] [--warmup 1]
//        [--batch 100] [--size 32] [--threads N] [--only cutmix,fmix] [--json]
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const METHODS = ['vanilla', 'mixup', 'cutmix', 'manifoldmix', 'fmix', 'resizemix', 'saliencymix', 'gridmix', 'smoothmix', 'snapmix', 'puzzlemix', 'attentivemix'];

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    batch: { type: 'string', default: '100' },
    size: { type: 'string', default: '32' },
    classes: { type: 'string', default: '100' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const int = (name) => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < (name === 'warmup' ? 0 : 1)) {
    process.stderr.write(`mixers.mjs: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return v;
};
const o = {
  rounds: int('rounds'), steps: int('steps'), warmup: int('warmup'), batch: int('batch'), size: int('size'),
  classes: int('classes'), threads: int('threads'),
};
const methods = values.only ? ['vanilla', ...values.only.split(',').filter((m) => m !== 'vanilla')] : METHODS;

const addon = createRequire(import.meta.url)('node-gyp-build')(repoRoot);
const dist = (file) => import(pathToFileURL(path.join(repoRoot, 'dist', ...file.split('/'))).href);
const { resolveConfig } = await dist('config/resolve.js');
const { nativeMethodOptions } = await dist('config/classic-mix.js');
const { writeSafetensors } = await dist('io/safetensors.js');

// AttentiveMix's frozen network: a torchvision-named resnet18 with fresh weights (the cost does
// not depend on what it learned).
const attentiveWeights = path.join(os.tmpdir(), `adx-bench-attentive-${process.pid}.safetensors`);
if (methods.includes('attentivemix')) {
  const net = new addon.NativeTrainer({
    device: 'cpu', threads: o.threads, seed: 0, model: { arch: 'resnet18', inChannels: 3, numClasses: 1000 },
    augment: { cropPadding: 0, flip: false, mean: [0, 0, 0], std: [1, 1, 1] }, method: { name: 'vanilla', alpha: 1, learned: null },
    optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 0, nesterov: false, lrStepping: 'epoch' },
    epochs: 1, stepsPerEpoch: 1, nanPolicy: 'error',
  });
  await net.init();
  const state = await net.state();
  await net.dispose();
  await writeSafetensors(attentiveWeights, Object.fromEntries(Object.entries(state).map(([k, v]) => [k.replace(/^(backbone|head)\./, ''), v])));
}

async function makeTrainer(method) {
  const c = resolveConfig({ method: method === 'attentivemix' ? { name: method, attentive: { pretrained: attentiveWeights } } : method });
  return new addon.NativeTrainer({
    device: 'cpu', threads: o.threads, seed: 0,
    model: { arch: 'resnet18_cifar', inChannels: 3, numClasses: o.classes },
    augment: { cropPadding: 4, flip: true, mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
    method: await nativeMethodOptions(c.method),
    optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 1e-4, nesterov: false, lrStepping: 'epoch' },
    epochs: 1, stepsPerEpoch: 1000000, nanPolicy: 'error',
  });
}

const n = o.batch;
const shape = [n, o.size, o.size, 3];
let s = 12345;
const images = new Uint8Array(n * o.size * o.size * 3).map(() => ((s = (s * 1103515245 + 12345) % 2 ** 31), s & 0xff));
const labels = Int32Array.from({ length: n }, (_, i) => i % o.classes);

const trainers = new Map();
for (const m of methods) {
  const t = await makeTrainer(m);
  await t.init();
  for (let i = 0; i < o.warmup; i++) await t.trainStep(images, labels, shape);
  trainers.set(m, t);
}
const totals = new Map(methods.map((m) => [m, { seconds: 0, mixSeconds: 0, steps: 0 }]));
for (let round = 0; round < o.rounds; round++) {
  for (const m of methods) {
    const t = trainers.get(m);
    const total = totals.get(m);
    const started = performance.now();
    for (let i = 0; i < o.steps; i++) {
      const r = await t.trainStep(images, labels, shape);
      total.mixSeconds += r.mixSeconds ?? 0;
    }
    total.seconds += (performance.now() - started) / 1000;
    total.steps += o.steps;
  }
}
for (const t of trainers.values()) await t.dispose();
await fs.rm(attentiveWeights, { force: true });

const vanilla = totals.get('vanilla');
const vanillaRate = (n * vanilla.steps) / vanilla.seconds;
const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
const rows = methods.map((m) => {
  const t = totals.get(m);
  const imgPerS = (n * t.steps) / t.seconds;
  return {
    benchmark: 'classic-mix-cost', method: m, batch: n, size: o.size, arch: 'resnet18_cifar', threads: o.threads,
    steps: t.steps, img_per_s: imgPerS, relative_to_vanilla: imgPerS / vanillaRate,
    mix_ms_per_batch: m === 'vanilla' ? null : (1000 * t.mixSeconds) / t.steps,
    torch: addon.buildInfo().torchVersion, machine: { cpu, cores: os.cpus().length },
  };
});
if (values.json) for (const r of rows) console.log(JSON.stringify(r));
console.log(`\nclassic mixing cost: resnet18_cifar, batch ${n}, 3x${o.size}x${o.size}, ${o.classes} classes, ${o.threads} thread(s), ` +
  `${o.rounds} round(s) × ${o.steps} step(s) per method; ${cpu}`);
console.log('| method | mixing ms / batch | step img/s | relative to vanilla |');
console.log('|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.method} | ${r.mix_ms_per_batch === null ? '-' : r.mix_ms_per_batch.toFixed(2)} | ${r.img_per_s.toFixed(2)} | ${r.relative_to_vanilla.toFixed(3)} |`);
}
