/**
 * One step of the addon against the same step written in plain PyTorch (benchmarks/reference),
 * from the same weights, batch and forced draws. Debian's python3-torch is the same LibTorch
 * 1.13 as the CPU build, so the loss and every updated tensor agree to float rounding. Under
 * ADX_TEST_DEVICE=cuda both sides run on the GPU, in IEEE fp32 (PARITY_SPEED).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../lib/io/safetensors.js';
import { loadNative, type NativeTrainerOptions } from '../lib/native.js';
import { hasReferenceTorch, runReference } from './reference.js';
import { PARITY_SPEED, testDevice } from './helpers.js';

const [n, h, w, c] = [12, 16, 16, 3];
const classes = 5;

// AdamW with OpenMixup's no-decay groups, a 3-step warm-up from 0.1·lr, clipping strong enough
// to act, and 2-step gradient accumulation.
const adamw = {
  name: 'adamw' as const, lr: 2e-3, minLr: 0, momentum: 0, weightDecay: 0.05, nesterov: false, lrStepping: 'epoch' as const,
  betas: [0.8, 0.99] as [number, number], eps: 1e-6, noDecayOnNormBias: true, warmupSteps: 3, warmupRatio: 0.1, gradClip: 0.5, accumulate: 2,
};

function options(method: string, optimizer?: typeof adamw): NativeTrainerOptions {
  return {
    device: testDevice,
    threads: 1,
    seed: 5,
    model: { arch: 'resnet18_cifar', inChannels: c, numClasses: classes, baseWidth: 8 },
    augment: { cropPadding: 0, flip: false, mean: [0.49, 0.48, 0.45], std: [0.2, 0.21, 0.19] },
    method: { name: method, alpha: 1, learned: null },
    optimizer: optimizer ?? { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'epoch' },
    epochs: 1,
    stepsPerEpoch: 100,
    nanPolicy: 'error',
    speed: PARITY_SPEED,
  };
}

describe.runIf(hasReferenceTorch)('a training step matches plain PyTorch', () => {
  it.each([
    ['vanilla', undefined],
    ['mixup', undefined],
    ['vanilla', adamw],
  ] as const)('%s %s', async (method, optimizer) => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-ref-'));
    const images = new Uint8Array(n * h * w * c).map((_, i) => (i * 2654435761) % 251);
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
    const permutation = [3, 0, 7, 1, 11, 5, 2, 9, 4, 10, 6, 8];
    const lambda = 0.37;

    // Two steps, so the second runs with momentum buffers and non-zero residual BN γ; AdamW runs
    // four (two accumulated optimizer steps, the first inside the warm-up).
    const two = [
      { images: images.map((v) => 255 - v), labels: labels.map((l) => (l + 1) % classes), lambda: 0.5, permutation: [...permutation].reverse() },
      { images, labels, lambda, permutation },
    ];
    const steps = optimizer ? [...two, ...two.map((s) => ({ ...s, images: s.images.map((v) => (v * 7) % 256) }))] : two;
    const { NativeTrainer } = loadNative();
    const trainer = new NativeTrainer(options(method, optimizer));
    await trainer.init();
    await writeSafetensors(join(dir, 'before.safetensors'), await trainer.state());
    const ours: number[] = [];
    for (const s of steps) {
      ours.push((await trainer.trainStep(s.images, s.labels, [n, h, w, c], { lambda: s.lambda, permutation: s.permutation })).loss);
    }
    const after = await trainer.state();
    await trainer.dispose();

    const stepFiles = await Promise.all(
      steps.map(async (s, i) => {
        await writeFile(join(dir, `images${i}.bin`), s.images);
        await writeFile(join(dir, `labels${i}.bin`), Buffer.from(s.labels.buffer));
        return { images: join(dir, `images${i}.bin`), labels: join(dir, `labels${i}.bin`), lambda: s.lambda, permutation: s.permutation };
      }),
    );
    const o = options(method, optimizer);
    const config = {
      threads: 1, device: testDevice, shape: [n, h, w, c], classes, width: o.model.baseWidth, method, steps: stepFiles,
      mean: o.augment.mean, std: o.augment.std, lr: o.optimizer.lr, momentum: o.optimizer.momentum,
      weightDecay: o.optimizer.weightDecay, nesterov: o.optimizer.nesterov,
      weights: join(dir, 'before.safetensors'), out: join(dir, 'after.safetensors'), optimizer,
    };
    await writeFile(join(dir, 'steps.json'), JSON.stringify(config));
    const reference = JSON.parse(runReference('step_check.py', ['--config', join(dir, 'steps.json')])) as { losses: number[] };
    const expected = await readSafetensors(join(dir, 'after.safetensors'));

    expect(reference.losses).toHaveLength(steps.length);
    ours.forEach((loss, i) => expect(loss).toBeCloseTo(reference.losses[i]!, 5));
    expect(Object.keys(after).sort()).toEqual(Object.keys(expected).sort());
    let worst = 0;
    for (const [name, tensor] of Object.entries(after)) {
      const ref = expected[name]!;
      expect(tensor.shape, name).toEqual(ref.shape);
      for (let i = 0; i < tensor.values.length; i++) {
        worst = Math.max(worst, Math.abs(tensor.values[i]! - ref.values[i]!) / (1 + Math.abs(ref.values[i]!)));
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
