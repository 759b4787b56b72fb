/**
 * The speed options (lib/config/speed.ts, native/core/precision.h, native/train/trainer.cc):
 * channels-last computes the same steps as NCHW; bf16 autocast changes the convolutions but keeps
 * the mask generator's attention in fp32 (the masks still sum to 1 at fp32 precision); the
 * CUDA-only options are off on the CPU and, on CUDA, change nothing but speed.
 */
import { describe, expect, it } from 'vitest';
import { resolveLearnedMix } from '../lib/config/learned-mix.js';
import { resolveConfig } from '../lib/config/resolve.js';
import { SPEED_DEFAULTS, SPEED_FAST } from '../lib/config/speed.js';
import type { ResolvedConfig } from '../lib/config/types.js';
import { upgradeResolvedConfig } from '../lib/config/upgrade.js';
import { parseTrainArgs } from '../lib/cli/args.js';
import { loadNative, type NativeTrainer, type NativeTrainerOptions } from '../lib/native.js';
import { relative, testDevice, worstTensorError } from './helpers.js';

const [n, h, w, c] = [8, 16, 16, 3];
const classes = 5;
const mean = [0.49, 0.48, 0.45];
const std = [0.2, 0.21, 0.19];
const optimizer = { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'epoch' as const };
const images = [0, 1].map((s) => new Uint8Array(n * h * w * c).map((_, i) => ((i + 131 * s) * 2654435761) % 251));
const labels = [0, 1].map((s) => Int32Array.from({ length: n }, (_, i) => (i * 3 + s) % classes));
const shape: [number, number, number, number] = [n, h, w, c];
const onCuda = testDevice !== 'cpu';
// Layout comparisons in IEEE fp32 on CUDA too: TF32 convolutions (the default there) round the
// NCHW and NHWC kernels differently, far above the layout's own summation-order differences.
const IEEE = { tf32: 'off' } as const;

type Method = 'vanilla' | 'cutmix' | 'automix' | 'adautomix';
/** Small widths the architectures accept (Swin: a multiple of 32; ResNeXt: of its 32 groups). */
const ARCH_WIDTH: Record<string, number> = { swin_t: 32, convnext_tiny_cifar: 16, resnext50_32x4d_cifar: 32 };

function options(
  method: Method,
  speed: Partial<ResolvedConfig['speed']>,
  arch = 'resnet18_cifar',
  device: string = testDevice,
  optimizerChanges: Partial<NativeTrainerOptions['optimizer']> = {},
): NativeTrainerOptions {
  const learned = method === 'automix' || method === 'adautomix' ? resolveLearnedMix(method, method === 'adautomix' ? { mixSamples: 3 } : {}, optimizer) : null;
  return {
    device, threads: 1, seed: 11,
    model: { arch, inChannels: c, numClasses: classes, baseWidth: ARCH_WIDTH[arch] ?? 8, imageSize: h },
    augment: { cropPadding: 2, flip: true, mean, std },
    method: { name: method, alpha: 1, learned },
    optimizer: { ...optimizer, ...optimizerChanges }, epochs: 1, stepsPerEpoch: 10, nanPolicy: 'error',
    speed: { ...SPEED_DEFAULTS, ...speed },
  };
}

async function withTrainer<T>(o: NativeTrainerOptions, body: (t: NativeTrainer) => Promise<T>): Promise<T> {
  const { NativeTrainer } = loadNative();
  const trainer = new NativeTrainer(o);
  try {
    await trainer.init();
    return await body(trainer);
  } finally {
    await trainer.dispose();
  }
}

/** Two steps: every loss and term, then every parameter and buffer. */
async function twoSteps(o: NativeTrainerOptions) {
  return withTrainer(o, async (t) => {
    const losses: Record<string, number>[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await t.trainStep(images[i]!, labels[i]!, shape);
      losses.push({ ...r.terms, loss: r.loss });
    }
    return { losses, state: await t.state() };
  });
}

describe('speed options: configuration', () => {
  it('defaults off, "fast" all on, each field checked', () => {
    expect(resolveConfig({}).speed).toEqual(SPEED_DEFAULTS);
    expect(resolveConfig({ speed: 'fast' }).speed).toEqual(SPEED_FAST);
    expect(resolveConfig({ speed: { precision: 'bf16' } }).speed).toEqual({ ...SPEED_DEFAULTS, precision: 'bf16' });
    expect(() => resolveConfig({ speed: { precision: 'fp16' as 'bf16' } })).toThrow("speed.precision must be one of 'fp32', 'bf16', got 'fp16'");
    expect(() => resolveConfig({ speed: { channelsLast: 1 as unknown as boolean } })).toThrow('speed.channelsLast must be true or false, got 1');
    expect(resolveConfig({ speed: { multiTensor: false } }).speed).toEqual({ ...SPEED_DEFAULTS, multiTensor: false });
    expect(() => resolveConfig({ speed: { multiTensor: 'yes' as unknown as boolean } })).toThrow('speed.multiTensor must be true or false');
    expect(() => resolveConfig({ speed: { cudaGraph: true } as never })).toThrow(/speed.*cudaGraph/);
    expect(resolveConfig({ speed: { gpuOnly: true } }).speed.gpuOnly).toBe(true);
    expect(resolveConfig({ speed: { tf32: 'all' } }).speed).toEqual({ ...SPEED_DEFAULTS, tf32: 'all' });
    expect(() => resolveConfig({ speed: { tf32: true as unknown as 'all' } })).toThrow("speed.tf32 must be one of 'off', 'convolutions', 'all', got true");
    expect(() => resolveConfig({ speed: 'faster' as 'fast' })).toThrow("speed must be 'fast' or an object of speed options, got 'faster'");
  });

  it('a run saved before an option existed gets its default, keeping the saved ones', () => {
    const saved = resolveConfig({ speed: { channelsLast: true } }) as unknown as { speed: Record<string, unknown> };
    delete saved.speed.tf32;
    expect(upgradeResolvedConfig(saved).speed).toEqual({ ...SPEED_DEFAULTS, channelsLast: true });
  });

  it('CLI: --fast, --precision and --channels-last, also with --resume', async () => {
    expect((await parseTrainArgs(['--fast'])).config.speed).toEqual(SPEED_FAST);
    expect((await parseTrainArgs(['--precision', 'bf16', '--channels-last'])).config.speed).toEqual({ precision: 'bf16', channelsLast: true });
    expect((await parseTrainArgs(['--resume', 'run', '--precision', 'bf16'])).config.speed).toEqual({ precision: 'bf16' });
    await expect(parseTrainArgs(['--precision', 'half'])).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('speed options: steps', () => {
  it('the trainer reports what is in effect: the CUDA-only options are off on the CPU, and all with gpuOnly', async () => {
    const on = { ...SPEED_FAST, gpuOnly: false };
    const info = await withTrainer({ ...options('vanilla', on), device: 'cpu' }, (t) => t.init());
    expect(info.speed).toEqual({ ...on, cudnnBenchmark: false, pinnedMemory: false, deviceAugment: false, cudaGraphs: false, tf32: 'off' });
    const fast = await withTrainer({ ...options('vanilla', SPEED_FAST), device: 'cpu' }, (t) => t.init());
    expect(fast.speed).toEqual({ ...SPEED_DEFAULTS, gpuOnly: true, tf32: 'off' });
  });

  for (const method of ['vanilla', 'cutmix', 'automix', 'adautomix'] as const) {
    it(`channels-last computes the same ${method} steps as NCHW`, async () => {
      const nchw = await twoSteps(options(method, IEEE));
      const nhwc = await twoSteps(options(method, { ...IEEE, channelsLast: true }));
      nchw.losses.forEach((terms, i) => {
        for (const [k, v] of Object.entries(terms)) expect(relative(nhwc.losses[i]![k]!, v), `step ${i} ${k}`).toBeLessThan(1e-4);
      });
      const worst = worstTensorError(nhwc.state, nchw.state);
      expect(worst.error, `worst tensor ${worst.name}`).toBeLessThan(onCuda ? 1e-2 : 1e-4);
      // Not bitwise equal: the NHWC kernels did run (their summation order differs).
      expect(worst.error).toBeGreaterThan(0);
    }, 60_000);
  }

  for (const arch of ['convnext_tiny_cifar', 'swin_t', 'resnext50_32x4d_cifar']) {
    it(`channels-last computes the same ${arch} step as NCHW`, async () => {
      const nchw = await twoSteps(options('vanilla', IEEE, arch));
      const nhwc = await twoSteps(options('vanilla', { ...IEEE, channelsLast: true }, arch));
      expect(relative(nhwc.losses[1]!.loss!, nchw.losses[1]!.loss!)).toBeLessThan(1e-4);
    }, 60_000);
  }

  // oneDNN's strided 1x1 weight gradient under NHWC breaks with fewer input channels than its
  // block (native/models/strided_pointwise.h): wrong gradients, a hang or a heap corruption. At
  // width 4 every ResNet/WRN downsampling shortcut has 4 or 8 input channels.
  for (const [method, arch] of [['vanilla', 'resnet18_cifar'], ['adautomix', 'resnet18_cifar'], ['vanilla', 'wrn28_8']] as const) {
    it(`channels-last at width 4 computes the same ${method} ${arch} steps as NCHW (the narrow strided shortcuts)`, async () => {
      const narrow = (o: NativeTrainerOptions) => ({ ...o, model: { ...o.model, baseWidth: 4 } });
      const nchw = await twoSteps(narrow(options(method, IEEE, arch)));
      const nhwc = await twoSteps(narrow(options(method, { ...IEEE, channelsLast: true }, arch)));
      const worst = worstTensorError(nhwc.state, nchw.state);
      expect(worst.error, `worst tensor ${worst.name}`).toBeLessThan(onCuda ? 1e-2 : 1e-4);
      expect(relative(nhwc.losses[1]!.loss!, nchw.losses[1]!.loss!)).toBeLessThan(1e-4);
    }, 60_000);
  }

  it('bf16 rounds the convolutions but keeps the mask attention in fp32: the masks still sum to 1', async () => {
    const mix = (precision: 'fp32' | 'bf16') => withTrainer(options('adautomix', { precision }), (t) => t.mix(images[0]!, shape, 5));
    const [full, half] = [await mix('fp32'), await mix('bf16')];
    expect(half.sources).toBe(3);
    let sumError = 0;
    let change = 0;
    for (let b = 0; b < n; b++) {
      for (let p = 0; p < h * w; p++) {
        let sum = 0;
        for (let s = 0; s < half.sources; s++) {
          const i = (b * half.sources + s) * h * w + p;
          sum += half.masks[i]!;
          change = Math.max(change, Math.abs(half.masks[i]! - full.masks[i]!));
        }
        sumError = Math.max(sumError, Math.abs(sum - 1));
      }
    }
    // A bf16 softmax would miss 1 by ~1e-3 (8 significant bits); fp32 by ~1e-7.
    expect(sumError).toBeLessThan(1e-5);
    // bf16 projections do change the masks (autocast was on), by a rounding-sized amount.
    expect(change).toBeGreaterThan(1e-5);
    expect(change).toBeLessThan(0.1);
  }, 60_000);

  it('a bf16 AdAutoMix step stays close to the fp32 one, and evaluation runs in bf16 too', async () => {
    const run = (precision: 'fp32' | 'bf16') =>
      withTrainer(options('adautomix', { precision }), async (t) => {
        const step = await t.trainStep(images[0]!, labels[0]!, shape);
        const evaluation = await t.evaluate(images[1]!, labels[1]!, shape);
        return { step, evaluation };
      });
    const [full, half] = [await run('fp32'), await run('bf16')];
    expect(Object.keys(half.step.terms).sort()).toEqual(Object.keys(full.step.terms).sort());
    for (const [k, v] of Object.entries(full.step.terms)) {
      expect(Number.isFinite(half.step.terms[k]!), k).toBe(true);
      expect(relative(half.step.terms[k]!, v), `${k}: ${half.step.terms[k]} vs ${v}`).toBeLessThan(0.05);
    }
    expect(half.step.loss).not.toBe(full.step.loss);
    for (const [head, e] of Object.entries(full.evaluation.heads)) {
      expect(relative(half.evaluation.heads[head]!.lossSum, e.lossSum), head).toBeLessThan(0.05);
    }
  }, 60_000);

  it.runIf(onCuda)('pinned memory and crop/flip on the device change nothing but speed (CUDA)', async () => {
    const plain = await twoSteps(options('cutmix', {}));
    const moved = await twoSteps(options('cutmix', { pinnedMemory: true, deviceAugment: true, cudnnBenchmark: true }));
    plain.losses.forEach((terms, i) => expect(relative(moved.losses[i]!.loss!, terms.loss!), `step ${i}`).toBeLessThan(1e-3));
  }, 60_000);

  it.runIf(onCuda)("tf32: 'off' steps agree with the CPU's, 'all' rounds differently (CUDA)", async () => {
    // The crops and flips come from the seeded CPU generator on every device: the same batches.
    const cpu = await twoSteps(options('vanilla', {}, 'resnet18_cifar', 'cpu'));
    const ieee = await twoSteps(options('vanilla', { tf32: 'off' }));
    const tf32 = await twoSteps(options('vanilla', { tf32: 'all' }));
    const exact = worstTensorError(ieee.state, cpu.state);
    expect(exact.error, exact.name).toBeLessThan(1e-4);
    // TF32 rounds inputs to 10 mantissa bits: far more than fp32 rounding (H100: ~1e-3).
    expect(worstTensorError(tf32.state, ieee.state).error).toBeGreaterThan(10 * exact.error);
  }, 60_000);

  it('GPU memory counters: E_DEVICE without CUDA, a peak after a CUDA step', async () => {
    const native = loadNative();
    if (!native.buildInfo().cudaBuild || !onCuda) {
      if (!native.buildInfo().cudaBuild) expect(() => native.cudaMemory(0)).toThrow(expect.objectContaining({ code: 'E_DEVICE' }));
      return;
    }
    native.cudaMemory(0, true);
    await twoSteps(options('vanilla', {}));
    const m = native.cudaMemory(0);
    expect(m.peakMB).toBeGreaterThan(0);
    expect(m.peakMB).toBeGreaterThanOrEqual(m.allocatedMB);
  }, 60_000);
});

/** Three steps from the same start, then the whole checkpoint (weights, buffers, optimizer state) and the weights before. */
async function threeSteps(o: NativeTrainerOptions) {
  return withTrainer(o, async (t) => {
    const before = await t.state();
    for (let i = 0; i < 3; i++) await t.trainStep(images[i % 2]!, labels[i % 2]!, shape);
    return { before, after: (await t.checkpoint()).tensors };
  });
}

describe('speed options: multi-tensor updates', () => {
  const cases: [string, Method, Partial<NativeTrainerOptions['optimizer']>][] = [
    ['SGD with Nesterov momentum and weight decay', 'vanilla', {}],
    ['SGD with plain momentum, no weight decay', 'vanilla', { nesterov: false, weightDecay: 0 }],
    ['AdamW with undecayed norms and biases, and gradient clipping', 'vanilla',
      { name: 'adamw', lr: 2e-3, weightDecay: 0.05, noDecayOnNormBias: true, gradClip: 0.5, betas: [0.9, 0.999], eps: 1e-8 }],
    ['AdAutoMix: the generator group and the EMA teacher', 'adautomix', {}],
  ];
  for (const [label, method, changes] of cases) {
    it(`${label}: the same steps as LibTorch's per-parameter loops`, async () => {
      const loops = await threeSteps(options(method, { multiTensor: false }, 'resnet18_cifar', testDevice, changes));
      const lists = await threeSteps(options(method, { multiTensor: true }, 'resnet18_cifar', testDevice, changes));
      const names = Object.keys(loops.after).sort();
      expect(Object.keys(lists.after).sort()).toEqual(names);
      // The optimizer's state is compared too (momentum buffers, or AdamW's moments and step counts).
      expect(names.filter((k) => k.startsWith('optimizer.')).length).toBeGreaterThan(10);
      const worst = worstTensorError(lists.after, loops.after);
      // The CPU runs the same kernels in the same order: bitwise equal. CUDA's fused list kernels may round differently.
      if (onCuda) expect(worst.error, worst.name).toBeLessThan(1e-4);
      else expect(worst, worst.name).toEqual({ error: 0, name: '' });
      // ... and the steps did move the weights (and, for AdAutoMix, the EMA teacher).
      const moved = (prefix: string) => Object.keys(loops.before).some((k) => k.startsWith(prefix) && loops.before[k]!.values.some((v, i) => v !== loops.after[k]!.values[i]));
      expect(moved(method === 'adautomix' ? 'backbone_q.' : 'backbone.')).toBe(true);
      if (method === 'adautomix') expect(moved('backbone_k.')).toBe(true);
    }, 60_000);
  }
});
