#!/usr/bin/env node
// Training-step speed: the adautomix addon against a plain PyTorch script of the same step
// (benchmarks/reference/step_reference.py). Each side runs in its own child process, one after
// the other, so the peak RSS reported is that implementation's alone and they never compete for cores.
//
//   node benchmarks/step.mjs [--method vanilla|mixup|automix|adautomix] [--batch 100] [--size 32]
//                            [--channels 3] [--classes 100] [--width W] [--threads N] [--warmup 3]
//                            [--steps 20] [--alpha 1.0] [--sources 3] [--no-fast-path] [--json]
//                            [--no-reference] [--arch resnet18_cifar] [--torchvision]
//                            [--device cpu|cuda] [--precision fp32|bf16] [--channels-last]
//                            [--cudnn-benchmark] [--pinned-memory] [--device-augment] [--fast]
//                            [--no-multi-tensor] [--cuda-graphs] [--no-cuda-graphs]
//                            [--tf32 off|convolutions|all] [--no-channels-last]
//                            [--no-cudnn-benchmark] [--no-pinned-memory] [--no-device-augment]
//
// --arch picks the backbone (default width: the architecture's). --torchvision makes the
// reference torchvision's model of that name (CIFAR stem swapped in for *_cifar; see
// reference/zoo_reference.py) instead of our plain ResNet-18; the learned methods' reference
// exists for resnet18_cifar and the torchvision ResNet/ResNeXt CIFAR variants (e.g.
// resnext50_32x4d_cifar).
//
// On CUDA both sides report the peak GPU memory of live tensors (the caching allocator's peak:
// our cudaMemory(), the reference's torch.cuda.max_memory_allocated()) over the whole run.
// --precision, --channels-last, --cudnn-benchmark and --tf32 (default convolutions, PyTorch's own
// default) apply to both sides (the reference with PyTorch's own switches); --pinned-memory, --device-augment, --no-multi-tensor (LibTorch's
// per-parameter optimizer and EMA loops), --cuda-graphs and --no-cuda-graphs (--fast without them) are ours
// alone; --fast turns on every speed option (lib/config/speed.ts SPEED_FAST) and the reference's
// three equivalents. After --fast, a --no-X flag (or an explicit --precision fp32) takes one
// option back, so each option's share of --fast can be timed (gpu-steps.sh --ablations). With CUDA graphs, each step structure's first three steps are warm-up and
// capture: keep --warmup above 3 × the structures (AdAutoMix N=3 has 2); the JSON's `graph_uses`
// counts how the timed steps ran.
//
// automix/adautomix read their defaults from dist/ (run `npm run build:ts` first); --sources is
// AdAutoMix's N, --no-fast-path times our literal path instead of the exact fast path.
//
// Env: ADX_PYTHON — the interpreter for the reference (default /usr/bin/python3, which must have torch).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const referenceScript = path.join(here, 'reference', 'step_reference.py');

const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.2023, 0.1994, 0.201];
const CROP_PADDING = 4;

function usage(message) {
  if (message) process.stderr.write(`step.mjs: ${message}\n`);
  process.stderr.write(
    'usage: node benchmarks/step.mjs [--method vanilla|mixup|automix|adautomix] [--batch 100] [--size 32]\n' +
      '         [--channels 3] [--classes 100] [--width 64] [--threads N] [--warmup 3] [--steps 20]\n' +
      '         [--alpha 1.0] [--sources 3] [--no-fast-path] [--json] [--no-reference]\n' +
      '         [--arch resnet18_cifar] [--torchvision] [--device cpu|cuda] [--precision fp32|bf16]\n' +
      '         [--channels-last] [--cudnn-benchmark] [--pinned-memory] [--device-augment] [--fast]\n' +
      '         [--no-multi-tensor] [--cuda-graphs] [--no-cuda-graphs] [--tf32 off|convolutions|all]\n' +
      '         [--no-channels-last] [--no-cudnn-benchmark] [--no-pinned-memory] [--no-device-augment]\n',
  );
  process.exit(2);
}

function readOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        method: { type: 'string', default: 'vanilla' },
        batch: { type: 'string', default: '100' },
        size: { type: 'string', default: '32' },
        channels: { type: 'string', default: '3' },
        classes: { type: 'string', default: '100' },
        width: { type: 'string' },
        arch: { type: 'string', default: 'resnet18_cifar' },
        torchvision: { type: 'boolean', default: false },
        threads: { type: 'string', default: String(os.availableParallelism()) },
        warmup: { type: 'string', default: '3' },
        steps: { type: 'string', default: '20' },
        alpha: { type: 'string' },
        sources: { type: 'string', default: '3' },
        'no-fast-path': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'no-reference': { type: 'boolean', default: false },
        child: { type: 'boolean', default: false },
        device: { type: 'string', default: 'cpu' },
        precision: { type: 'string' },
        'channels-last': { type: 'boolean', default: false },
        'cudnn-benchmark': { type: 'boolean', default: false },
        'pinned-memory': { type: 'boolean', default: false },
        'device-augment': { type: 'boolean', default: false },
        'no-channels-last': { type: 'boolean', default: false },
        'no-cudnn-benchmark': { type: 'boolean', default: false },
        'no-pinned-memory': { type: 'boolean', default: false },
        'no-device-augment': { type: 'boolean', default: false },
        fast: { type: 'boolean', default: false },
        'no-multi-tensor': { type: 'boolean', default: false },
        'cuda-graphs': { type: 'boolean', default: false },
        'no-cuda-graphs': { type: 'boolean', default: false },
        tf32: { type: 'string', default: 'convolutions' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    usage(err.message);
  }
  if (parsed.help) usage();
  const int = (name, min) => {
    const v = Number(parsed[name]);
    if (!Number.isInteger(v) || v < min) usage(`--${name} must be an integer >= ${min}`);
    return v;
  };
  // --fast turns an option on, its own flag too; --no-X wins over both.
  const on = (name) => (parsed.fast || parsed[name]) && !parsed[`no-${name}`];
  const o = {
    method: parsed.method,
    batch: int('batch', 1),
    size: int('size', 1),
    channels: int('channels', 1),
    classes: int('classes', 2),
    width: parsed.width === undefined ? 0 : int('width', 1),
    arch: parsed.arch,
    torchvision: parsed.torchvision,
    threads: int('threads', 1),
    warmup: int('warmup', 0),
    steps: int('steps', 1),
    alpha: Number(parsed.alpha ?? (parsed.method === 'automix' ? '2.0' : '1.0')),
    sources: int('sources', 2),
    fastPath: !parsed['no-fast-path'],
    json: parsed.json,
    reference: !parsed['no-reference'],
    child: parsed.child,
    device: parsed.device,
    speed: {
      precision: parsed.precision ?? (parsed.fast ? 'bf16' : 'fp32'),
      channelsLast: on('channels-last'),
      cudnnBenchmark: on('cudnn-benchmark'),
      pinnedMemory: on('pinned-memory'),
      deviceAugment: on('device-augment'),
      multiTensor: !parsed['no-multi-tensor'],
      cudaGraphs: on('cuda-graphs'),
      tf32: parsed.tf32,
    },
  };
  if (!['off', 'convolutions', 'all'].includes(parsed.tf32)) usage('--tf32 must be off, convolutions or all');
  if (!['fp32', 'bf16'].includes(o.speed.precision)) usage('--precision must be fp32 or bf16');
  if (!/^(cpu|cuda(:\d+)?)$/.test(o.device)) usage('--device must be cpu, cuda or cuda:N');
  if (!['vanilla', 'mixup', 'automix', 'adautomix'].includes(o.method)) usage('--method must be vanilla, mixup, automix or adautomix');
  if (!(o.alpha > 0) || !Number.isFinite(o.alpha)) usage('--alpha must be a number > 0');
  if (o.method !== 'vanilla' && o.method !== 'mixup' && !/^(resnet|resnext)\w*_cifar$/.test(o.arch) && o.reference) {
    usage('the automix/adautomix reference runs on the ResNet/ResNeXt CIFAR variants only (or pass --no-reference)');
  }
  // oneDNN #6035: on the CPU its channels-last strided 1x1 weight gradient with fewer input channels
  // than its channel block (8 with AVX2, 16 with AVX-512) gives wrong gradients, hangs or corrupts
  // the heap. Our addon steers clear of it (native/models/strided_pointwise.h); the plain PyTorch
  // reference does not, and a narrow ResNet/WRN's first strided shortcut reaches it.
  if (o.reference && o.speed.channelsLast && o.device === 'cpu' && o.width > 0 && o.width < 16) {
    usage('--channels-last on the CPU below --width 16 would run the reference into oneDNN bug #6035 (hang or heap corruption); pass --no-reference or a width of 16 or more');
  }
  if (CROP_PADDING >= o.size) usage(`--size must be larger than the crop padding (${CROP_PADDING})`);
  return o;
}

// The same constants as the reference: CIFAR statistics for 3 channels, their averages otherwise.
function normConstants(channels) {
  if (channels === 3) return { mean: CIFAR_MEAN, std: CIFAR_STD };
  const avg = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  return { mean: Array(channels).fill(avg(CIFAR_MEAN)), std: Array(channels).fill(avg(CIFAR_STD)) };
}

// Deterministic filler (xorshift32) so every run times the same synthetic batch.
function xorshift(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

// ---- child: time our step -------------------------------------------------------------------

const OPTIMIZER = { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 1e-4, nesterov: false, lrStepping: 'epoch' };

// The resolved options of a learned-mixing method: the library's defaults (from dist/) plus N and the path.
async function learnedOptions(o) {
  if (o.method !== 'automix' && o.method !== 'adautomix') return null;
  const { resolveLearnedMix } = await import(pathToFileURL(path.join(repoRoot, 'dist', 'config', 'learned-mix.js')).href);
  const input = o.method === 'adautomix' ? { mixSamples: o.sources } : {};
  return { ...resolveLearnedMix(o.method, input, OPTIMIZER), exactFastPath: o.fastPath };
}

async function runOurs(o) {
  const addon = createRequire(import.meta.url)('node-gyp-build')(repoRoot);
  const { mean, std } = normConstants(o.channels);
  const t = new addon.NativeTrainer({
    device: o.device,
    speed: o.speed,
    threads: o.threads,
    seed: 0,
    model: { arch: o.arch, inChannels: o.channels, numClasses: o.classes, baseWidth: o.width },
    augment: { cropPadding: CROP_PADDING, flip: true, mean, std },
    method: { name: o.method, alpha: o.alpha, learned: await learnedOptions(o) },
    optimizer: OPTIMIZER,
    epochs: 1,
    stepsPerEpoch: 1000000,
    nanPolicy: 'error',
  });
  const info = await t.init();

  const n = o.batch;
  const shape = [n, o.size, o.size, o.channels];
  const images = new Uint8Array(n * o.size * o.size * o.channels);
  const labels = new Int32Array(n);
  const rand = xorshift(12345);
  for (let i = 0; i < images.length; i++) images[i] = rand() & 0xff;
  for (let i = 0; i < n; i++) labels[i] = rand() % o.classes;

  // Each step waits once, for its loss after its forward pass; its update may still run on the GPU
  // when the step returns. The timer starts and stops at the same point of a step (after a step
  // resolves), so in steady state the tail it takes in from the last warm-up step equals the tail
  // of the last timed step it leaves out. The peak covers the whole run, warm-up included, as the
  // reference's does.
  const cudaIndex = o.device.startsWith('cuda') ? Number(o.device.split(':')[1] ?? 0) : null;
  if (cudaIndex !== null) addon.cudaMemory(cudaIndex, true);
  let last;
  try {
    for (let i = 0; i < o.warmup; i++) last = await t.trainStep(images, labels, shape);
    const graphUses = {};
    const started = performance.now();
    for (let i = 0; i < o.steps; i++) {
      last = await t.trainStep(images, labels, shape);
      if (last.graph) graphUses[last.graph] = (graphUses[last.graph] ?? 0) + 1;
    }
    const elapsed = (performance.now() - started) / 1000;
    return {
      peak_gpu_mb: cudaIndex === null ? null : addon.cudaMemory(cudaIndex).peakMB,
      device: info.device,
      speed: info.speed,
      impl: 'adautomix',
      method: o.method,
      img_per_s: (n * o.steps) / elapsed,
      sec_per_step: elapsed / o.steps,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      threads: info.threads,
      torch: addon.buildInfo().torchVersion,
      batch: n,
      steps: o.steps,
      last_loss: last.loss,
      graph_uses: graphUses,
    };
  } finally {
    await t.dispose();
  }
}

// ---- parent: run both children and report ---------------------------------------------------

function runChild(command, args) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, stdout, stderr, error: err });
      return;
    }
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) => resolve({ code: null, stdout, stderr, error: err }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function lastJsonLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // not JSON after all; keep looking
    }
  }
  return null;
}

function describeFailure(r) {
  if (r.error) return `could not be started (${r.error.message})`;
  const tail = r.stderr.trim().split('\n').slice(-5).join('\n    ');
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
  return tail ? `${how}:\n    ${tail}` : how;
}

function sharedArgs(o) {
  return [
    '--method', o.method,
    '--batch', String(o.batch),
    '--size', String(o.size),
    '--channels', String(o.channels),
    '--classes', String(o.classes),
    '--arch', o.arch,
    ...(o.width > 0 ? ['--width', String(o.width)] : []),
    '--threads', String(o.threads),
    '--warmup', String(o.warmup),
    '--steps', String(o.steps),
    '--alpha', String(o.alpha),
    '--sources', String(o.sources),
    '--device', o.device,
    '--precision', o.speed.precision,
    ...(o.speed.channelsLast ? ['--channels-last'] : []),
    ...(o.speed.cudnnBenchmark ? ['--cudnn-benchmark'] : []),
    '--tf32', o.speed.tf32,
  ];
}

// Our own speed flags (the reference has no equivalent of these).
function ourOnlyArgs(o) {
  return [
    ...(o.speed.pinnedMemory ? ['--pinned-memory'] : []),
    ...(o.speed.deviceAugment ? ['--device-augment'] : []),
    ...(o.speed.multiTensor ? [] : ['--no-multi-tensor']),
    ...(o.speed.cudaGraphs ? ['--cuda-graphs'] : []),
  ];
}

function fmt(x, digits) {
  return x == null ? '-' : x.toFixed(digits);
}

function printTable(report) {
  const rows = [['implementation', 'img/s', 's/step', 'peak RSS MB', 'peak GPU MB', 'threads', 'torch']];
  const add = (name, r) =>
    rows.push([name, fmt(r.img_per_s, 1), fmt(r.sec_per_step, 4), fmt(r.peak_rss_mb, 0), fmt(r.peak_gpu_mb, 0), String(r.threads), r.torch]);
  add('adautomix (addon)', report);
  if (report.reference) add('pytorch reference', report.reference);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(
    `train step: ${report.method}, batch ${report.batch}, ${report.size}x${report.size}x${report.channels}, ` +
      `${report.classes} classes, ${report.arch} width ${report.width ?? 'default'}, ${report.threads} thread(s), ${report.device}, speed ${JSON.stringify(report.speed)}`,
  );
  console.log(`machine: ${report.machine.cpu} (${report.machine.cores} cores)`);
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(report.ratio == null ? 'ratio: n/a (no reference)' : `ratio (ours / reference img/s): ${report.ratio.toFixed(3)}`);
  if (report.memory_ratio != null) console.log(`memory ratio (ours / reference peak GPU MB): ${report.memory_ratio.toFixed(3)}`);
}

async function main() {
  const o = readOptions(process.argv.slice(2));

  if (o.child) {
    const result = await runOurs(o);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }

  const oursArgs = [fileURLToPath(import.meta.url), ...sharedArgs(o), ...ourOnlyArgs(o), '--child', ...(o.fastPath ? [] : ['--no-fast-path'])];
  const oursRun = await runChild(process.execPath, oursArgs);
  const ours = oursRun.code === 0 ? lastJsonLine(oursRun.stdout) : null;
  if (!ours) {
    process.stderr.write(`step.mjs: our benchmark child failed: ${describeFailure(oursRun)}\n`);
    process.exit(1);
  }

  let reference = null;
  if (o.reference) {
    const python = process.env.ADX_PYTHON || '/usr/bin/python3';
    const refRun = await runChild(python, [referenceScript, ...sharedArgs(o), ...(o.torchvision ? ['--torchvision'] : [])]);
    reference = refRun.code === 0 ? lastJsonLine(refRun.stdout) : null;
    if (!reference) {
      process.stderr.write(
        `step.mjs: warning: the PyTorch reference (${python}) did not run, reporting reference: null. ` +
          `It ${describeFailure(refRun)}\n` +
          '  Set ADX_PYTHON to an interpreter with torch installed, or pass --no-reference.\n',
      );
    }
  }

  const cpus = os.cpus();
  const report = {
    benchmark: 'train-step',
    method: o.method,
    sources: o.method === 'adautomix' ? o.sources : o.method === 'automix' ? 2 : null,
    fast_path: o.method === 'automix' || o.method === 'adautomix' ? o.fastPath : null,
    batch: o.batch,
    size: o.size,
    channels: o.channels,
    classes: o.classes,
    arch: o.arch,
    width: o.width || null,
    threads: o.threads,
    torch: ours.torch,
    img_per_s: ours.img_per_s,
    sec_per_step: ours.sec_per_step,
    peak_rss_mb: ours.peak_rss_mb,
    device: ours.device,
    speed: ours.speed,
    peak_gpu_mb: ours.peak_gpu_mb,
    with_reference: o.reference,
    reference,
    ratio: reference && reference.img_per_s > 0 ? ours.img_per_s / reference.img_per_s : null,
    memory_ratio: reference?.peak_gpu_mb > 0 && ours.peak_gpu_mb != null ? ours.peak_gpu_mb / reference.peak_gpu_mb : null,
    machine: { cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length },
  };
  if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printTable(report);
}

main().catch((err) => {
  process.stderr.write(`step.mjs: ${err?.stack ?? err}\n`);
  process.exit(1);
});
