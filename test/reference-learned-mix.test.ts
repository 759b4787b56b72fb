/**
 * AutoMix and AdAutoMix steps against plain PyTorch (benchmarks/reference/learned_mix_reference.py,
 * written from the spec, literal path), from the same initial weights (written by the addon) and
 * the same forced draws. Three consecutive steps cover an adversarial and a cooperative AdAutoMix
 * step, N = 2 and N = 3, and lamMargin active and inactive; every loss term agrees at every step
 * and, after the steps, every parameter and buffer (online, EMA and generator) agrees, with the
 * exact fast path on and off. Under ADX_TEST_DEVICE=cuda both sides run on the GPU, in IEEE fp32
 * (PARITY_SPEED).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLearnedMix } from '../lib/config/learned-mix.js';
import type { ResolvedLearnedMix } from '../lib/config/types.js';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors.js';
import { type BranchDraws, loadNative, type NativeTrainerOptions } from '../lib/native.js';
import { hasReferenceTorch, runReference } from './reference.js';
import { PARITY_SPEED, relative, testDevice } from './helpers.js';

const [n, h, w, c] = [12, 16, 16, 3];
const classes = 5;
const width = 8;
const stepsPerEpoch = 10;
const optimizer = { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'epoch' as const };
const mean = [0.49, 0.48, 0.45];
const std = [0.2, 0.21, 0.19];

/** A seeded shuffle of 0..n-1 (Fisher-Yates over an LCG). */
function permutation(seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
const identity = Array.from({ length: n }, (_, i) => i);
const twoSource = (lambda: number, seed: number): BranchDraws => ({ lambdas: [lambda, 1 - lambda], permutations: [identity, permutation(seed)] });
const nSource = (lambdas: number[], seed: number): BranchDraws => ({ lambdas, permutations: lambdas.map((_, i) => permutation(seed + 17 * i)) });

interface Case {
  name: string;
  method: 'automix' | 'adautomix';
  options: Partial<ResolvedLearnedMix>;
  draws: { generator: BranchDraws; classifier: BranchDraws }[];
}

const cases: Case[] = [
  {
    name: 'adautomix-n2',
    method: 'adautomix',
    options: { mixSamples: 2 },
    // λ_bb = 0.02 ≤ lamMargin 0.03 at step 1: the classifier gets linear mixup there.
    draws: [[0.3, 0.37], [0.7, 0.02], [0.55, 0.8]].map(([mb, bb], i) => ({ generator: twoSource(mb!, 11 + i), classifier: twoSource(bb!, 29 + i) })),
  },
  {
    name: 'adautomix-n3',
    method: 'adautomix',
    options: { mixSamples: 3 },
    // λ₁ = 0.02 at step 0 triggers lamMargin; the other steps use the generator's masks.
    draws: [[0.02, 0.5, 0.48], [0.2, 0.3, 0.5], [0.5, 0.25, 0.25]].map((l, i) => ({ generator: nSource(l, 3 + i), classifier: nSource(l, 41 + i) })),
  },
  {
    name: 'adautomix-n3-options',
    method: 'adautomix',
    options: { mixSamples: 3, lamConcat: true, upsample: 'nearest', cosineMode: 'similarity', lamMarginRule: 'openmixup', mixupRatio: 0.3, betaRatio: 0.4 },
    draws: [[0.6, 0.3, 0.1], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]].map((l, i) => ({ generator: nSource(l, 5 + i), classifier: nSource(l, 61 + i) })),
  },
  {
    // The ImageNet ResNet-50 generator (BN after query/key) and an EMA every second iteration.
    name: 'adautomix-n3-bn',
    method: 'adautomix',
    options: { mixSamples: 3, attentionNorm: 'batchnorm', ema: { start: 0.9, end: 0.99, scope: [0.1, 1], warmup: 'constant', updateInterval: 2 } },
    draws: [[0.3, 0.3, 0.4], [0.02, 0.9, 0.08], [0.5, 0.1, 0.4]].map((l, i) => ({ generator: nSource(l, 9 + i), classifier: nSource(l, 71 + i) })),
  },
  {
    name: 'automix',
    method: 'automix',
    options: {},
    // λ_bb = 0.05 ≤ lamMargin 0.08 at step 1.
    draws: [[0.4, 0.5], [0.6, 0.05], [0.3, 0.7]].map(([mb, bb], i) => ({ generator: twoSource(mb!, 7 + i), classifier: twoSource(bb!, 13 + i) })),
  },
];

function learnedOptions(k: Case, fast: boolean): ResolvedLearnedMix {
  return {
    ...resolveLearnedMix(k.method, {}, optimizer),
    // A generator group unlike the main one, and an EMA fast enough to see in three steps
    // (i_min = 1 of 10 iterations: step 0 holds m₀, steps 1-2 follow the cosine).
    generator: { lr: 0.05, minLr: 0, momentum: 0.8, weightDecay: 1e-3, nesterov: false },
    ema: { start: 0.9, end: 0.99, scope: [0.1, 1], warmup: 'constant', updateInterval: 1 },
    ...k.options,
    exactFastPath: fast,
  };
}

function nativeOptions(k: Case, learned: ResolvedLearnedMix): NativeTrainerOptions {
  return {
    device: testDevice, threads: 1, seed: 3,
    model: { arch: 'resnet18_cifar', inChannels: c, numClasses: classes, baseWidth: width },
    augment: { cropPadding: 0, flip: false, mean, std },
    method: { name: k.method, alpha: 1, learned },
    optimizer, epochs: 1, stepsPerEpoch, nanPolicy: 'error', speed: PARITY_SPEED,
  };
}

describe.runIf(hasReferenceTorch)('AutoMix and AdAutoMix steps match plain PyTorch', () => {
  it('every loss term, parameter and BN statistic, fast path on and off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-learned-'));
    const images = [0, 1, 2].map((s) => new Uint8Array(n * h * w * c).map((_, i) => ((i + 97 * s) * 2654435761) % 251));
    const labels = [0, 1, 2].map((s) => Int32Array.from({ length: n }, (_, i) => (i * 7 + s) % classes));
    const stepFiles = await Promise.all(
      [0, 1, 2].map(async (i) => {
        await writeFile(join(dir, `images${i}.bin`), images[i]!);
        await writeFile(join(dir, `labels${i}.bin`), Buffer.from(labels[i]!.buffer));
        return { images: join(dir, `images${i}.bin`), labels: join(dir, `labels${i}.bin`) };
      }),
    );

    const { NativeTrainer } = loadNative();
    const ours: Record<string, { terms: Record<string, number>[]; state: Record<string, { shape: number[]; values: Float32Array }> }> = {};
    const referenceCases = [];
    for (const k of cases) {
      for (const fast of [true, false]) {
        const name = `${k.name}-${fast ? 'fast' : 'naive'}`;
        const learned = learnedOptions(k, fast);
        const trainer = new NativeTrainer(nativeOptions(k, learned));
        await trainer.init();
        const weights = join(dir, `${name}-before.safetensors`);
        await writeSafetensors(weights, await trainer.state());
        const terms: Record<string, number>[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await trainer.trainStep(images[i]!, labels[i]!, [n, h, w, c], k.draws[i]);
          expect(r.adversarial, `${name} step ${i}`).toBe(k.method === 'adautomix' && i % 2 === 0);
          terms.push({ ...r.terms, loss: r.loss });
        }
        ours[name] = { terms, state: await trainer.state() };
        await trainer.dispose();
        referenceCases.push({
          name, method: k.method, weights, out: join(dir, `${name}-after.safetensors`), options: learned, optimizer,
          totalSteps: stepsPerEpoch, steps: k.draws.map((d, i) => ({ ...stepFiles[i], ...d })),
        });
      }
    }
    const config = { threads: 1, device: testDevice, shape: [n, h, w, c], classes, width, mean, std, cases: referenceCases };
    await writeFile(join(dir, 'cases.json'), JSON.stringify(config));
    const reference = JSON.parse(runReference('learned_mix_reference.py', ['--config', join(dir, 'cases.json')])) as {
      cases: Record<string, { terms: Record<string, number>[] }>;
    };

    for (const rc of referenceCases) {
      const mine = ours[rc.name]!;
      const theirs = reference.cases[rc.name]!;
      theirs.terms.forEach((stepTerms, i) => {
        expect(Object.keys(mine.terms[i]!).sort(), `${rc.name} step ${i} terms`).toEqual(Object.keys(stepTerms).sort());
        for (const [term, value] of Object.entries(stepTerms)) {
          expect(relative(mine.terms[i]![term]!, value), `${rc.name} step ${i} ${term}: ${mine.terms[i]![term]} vs ${value}`).toBeLessThan(1e-4);
        }
      });
      const expected = await readSafetensors(rc.out);
      expect(Object.keys(mine.state).sort()).toEqual(Object.keys(expected).sort());
      let worst = { error: 0, name: '' };
      for (const [name, tensor] of Object.entries(mine.state)) {
        const ref = expected[name]!;
        expect(tensor.shape, name).toEqual(ref.shape);
        for (let i = 0; i < tensor.values.length; i++) {
          const e = relative(tensor.values[i]!, ref.values[i]!);
          if (e > worst.error) worst = { error: e, name };
        }
      }
      if (process.env.ADX_DEBUG) console.log(rc.name, worst);
      expect(worst.error, `${rc.name}: worst tensor ${worst.name}`).toBeLessThan(1e-4);
    }
  }, 120_000);
});
