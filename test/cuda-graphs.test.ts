/**
 * speed.cudaGraphs (native/train/step_graphs.h, step_plan.h): the planned steps of vanilla, AutoMix
 * and AdAutoMix give the same training with and without graphs, and the option is off where graphs
 * cannot run.
 *
 * On the CPU the trainer runs the graphs' emulation (ADX_EMULATE_CUDA_GRAPHS=1): after two warm-up
 * steps of a step structure it keeps the capture step's closure and input buffers, and every later
 * step of that structure refills the buffers and calls the kept closure, as a graph replay would
 * recompute the kept kernels. A closure that baked one step's λ, permutation or annealed weight in
 * (instead of reading its inputs) gives a different training there, which these comparisons catch.
 * On CUDA (ADX_TEST_DEVICE=cuda) the same tests run real captures and replays.
 */
import { describe, expect, it } from 'vitest';
import { resolveLearnedMix } from '../lib/config/learned-mix.js';
import { SPEED_DEFAULTS } from '../lib/config/speed.js';
import type { MethodConfig, ResolvedConfig } from '../lib/config/types.js';
import { loadNative, type NativeInitInfo, type NativeStepResult, type NativeTrainer, type NativeTrainerOptions } from '../lib/native.js';
import { relative, testDevice, worstTensorError } from './helpers.js';

const [n, h, w, c] = [8, 16, 16, 3];
const classes = 5;
const shape: [number, number, number, number] = [n, h, w, c];
const optimizer = { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'iteration' as const };
const batches = [0, 1, 2].map((s) => ({
  images: new Uint8Array(n * h * w * c).map((_, i) => ((i + 131 * s) * 2654435761) % 251),
  labels: Int32Array.from({ length: n }, (_, i) => (i * 3 + s) % classes),
}));
const onCuda = testDevice !== 'cpu';

type Method = 'vanilla' | 'cutmix' | 'automix' | 'adautomix';

function options(
  method: Method,
  cudaGraphs: boolean,
  learnedChanges: Partial<MethodConfig> = {},
  optimizerChanges: Partial<NativeTrainerOptions['optimizer']> = {},
): NativeTrainerOptions {
  const learned = method === 'automix' || method === 'adautomix' ? resolveLearnedMix(method, learnedChanges, optimizer as ResolvedConfig['optimizer']) : null;
  return {
    device: testDevice, threads: 1, seed: 5,
    model: { arch: 'resnet18_cifar', inChannels: c, numClasses: classes, baseWidth: 8, imageSize: h },
    augment: { cropPadding: 2, flip: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    method: { name: method, alpha: 1, learned },
    optimizer: { ...optimizer, ...optimizerChanges }, epochs: 1, stepsPerEpoch: 40, nanPolicy: 'error',
    // IEEE fp32 on CUDA: TF32 rounding would hide what a graph replay changes.
    speed: { ...SPEED_DEFAULTS, tf32: 'off', cudaGraphs },
  };
}

/** A trainer created with the CPU emulation switched on or off (read when the trainer starts). */
async function withTrainer<T>(
  o: NativeTrainerOptions,
  emulate: boolean,
  body: (t: NativeTrainer, info: NativeInitInfo) => Promise<T>,
): Promise<T> {
  const { NativeTrainer } = loadNative();
  const trainer = new NativeTrainer(o);
  const before = process.env.ADX_EMULATE_CUDA_GRAPHS;
  try {
    if (emulate) process.env.ADX_EMULATE_CUDA_GRAPHS = '1';
    else delete process.env.ADX_EMULATE_CUDA_GRAPHS;
    const info = await trainer.init();
    if (before === undefined) delete process.env.ADX_EMULATE_CUDA_GRAPHS;
    else process.env.ADX_EMULATE_CUDA_GRAPHS = before;
    return await body(trainer, info);
  } finally {
    await trainer.dispose();
  }
}

/** `steps` steps over three batches: each step's result, then the whole checkpoint. */
async function run(o: NativeTrainerOptions, steps: number) {
  return withTrainer(o, true, async (t, info) => {
    const results: NativeStepResult[] = [];
    for (let i = 0; i < steps; i++) results.push(await t.trainStep(batches[i % 3]!.images, batches[i % 3]!.labels, shape));
    return { results, info, after: (await t.checkpoint()).tensors };
  });
}

async function expectSameTraining(method: Method, steps: number, learned: Partial<MethodConfig> = {}) {
  const eager = await run(options(method, false, learned), steps);
  const graphed = await run(options(method, true, learned), steps);
  expect(eager.info.speed.cudaGraphs).toBe(false);
  expect(graphed.info.speed.cudaGraphs).toBe(true);
  expect(eager.results.every((r) => r.graph === null)).toBe(true);
  const uses = graphed.results.map((r) => r.graph);
  // Every step structure warmed up, was captured, and some were replayed: the comparison below covers replays.
  expect(uses.slice(0, 2)).toEqual(['warmup', 'warmup']);
  expect(uses.filter((u) => u === 'capture').length).toBeGreaterThan(0);
  expect(uses.filter((u) => u === 'replay').length).toBeGreaterThanOrEqual(2);

  const worst = worstDifference(graphed, eager, uses);
  // The emulation calls the same code on the same values: bitwise. Real graphs replay the same
  // kernels, but CUDA runs are not bitwise repeatable (helpers.ts): a second eager run says how far
  // two runs of the same steps drift apart, and the graphs may drift no further than ten times that.
  if (onCuda) {
    const floor = worstDifference(await run(options(method, false, learned), steps), eager, uses);
    console.log(`CUDA graphs, ${method} ${JSON.stringify(learned)}: graphed vs eager ${worst.error} (${worst.name}); eager vs eager ${floor.error} (${floor.name})`);
    expect(worst.error, worst.name).toBeLessThan(Math.max(1e-3, 10 * floor.error));
  } else {
    expect(worst, worst.name).toEqual({ error: 0, name: '' });
  }
  return uses;
}

/** The largest relative difference between two runs of the same steps: results, then the state. */
function worstDifference(a: Awaited<ReturnType<typeof run>>, b: Awaited<ReturnType<typeof run>>, uses: (string | null)[]) {
  let worst = { error: 0, name: '' };
  const note = (e: number, name: string) => { if (e > worst.error || Number.isNaN(e)) worst = { error: e, name }; };
  a.results.forEach((r, i) => {
    const e = b.results[i]!;
    expect([r.lambda, r.sources, r.adversarial], `step ${i}`).toEqual([e.lambda, e.sources, e.adversarial]);
    note(relative(r.loss, e.loss), `loss of step ${i} (${uses[i]})`);
    for (const [term, value] of Object.entries(e.terms)) note(relative(r.terms[term]!, value), `${term} of step ${i} (${uses[i]})`);
  });
  const state = worstTensorError(a.after, b.after);
  note(state.error, state.name);
  return worst;
}

describe('speed options: CUDA graphs', () => {
  it('vanilla: captured once, replayed with each batch', async () => {
    const uses = await expectSameTraining('vanilla', 6);
    expect(uses).toEqual(['warmup', 'warmup', 'capture', 'replay', 'replay', 'replay']);
  }, 120_000);

  it('AdAutoMix N = 3: one graph per adversarial phase, each replayed with its own λ and permutations', async () => {
    const uses = await expectSameTraining('adautomix', 12, { mixSamples: 3, advInterval: 2 });
    expect(uses.filter((u) => u === 'capture').length).toBe(2);
  }, 120_000);

  it('AdAutoMix N = 2 with lamMargin and switchOff: more structures, each graph keeps to its own', async () => {
    await expectSameTraining('adautomix', 20, { mixSamples: 2, lamMargin: 0.3, switchOff: 0.6, lamConcat: true });
  }, 120_000);

  it('AutoMix with the cosine-annealed mask loss (a per-step weight)', async () => {
    await expectSameTraining('automix', 8, { maskLoss: { schedule: 'cosine' }, lamConcat: true });
  }, 120_000);

  it('is off, and every step eager, where graphs cannot run', async () => {
    const info = async (o: NativeTrainerOptions, emulate = true) => withTrainer(o, emulate, async (t, i) => {
      const r = await t.trainStep(batches[0]!.images, batches[0]!.labels, shape);
      return { on: i.speed.cudaGraphs, graph: r.graph };
    });
    // A classic method has no step plan; accumulation sums several steps' gradients; stochastic depth draws on the host.
    expect(await info(options('cutmix', true))).toEqual({ on: false, graph: null });
    expect(await info(options('vanilla', true, {}, { accumulate: 2 }))).toEqual({ on: false, graph: null });
    const convnext = options('vanilla', true);
    convnext.model = { ...convnext.model, arch: 'convnext_tiny_cifar', baseWidth: 16 };  // drop path 0.1 by default
    expect(await info(convnext)).toEqual({ on: false, graph: null });
    expect(await info({ ...convnext, model: { ...convnext.model, dropPath: 0 } })).toEqual({ on: true, graph: 'warmup' });
    // Without a CUDA device (and no emulation) the option is off; a CPU build has no graphs compiled in.
    if (!onCuda) expect(await info(options('vanilla', true), false)).toEqual({ on: false, graph: null });
    const build = loadNative().buildInfo();
    if (!build.cudaBuild) expect(build.cudaGraphs).toBe(false);
  }, 120_000);
});
