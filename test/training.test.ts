import { describe, expect, it } from 'vitest';
import { AdautomixError } from '../lib/errors.js';
import { createTrainer, type StepProgress } from '../lib/index.js';
import { bandSplits, expectSameRunValue, hasFashionMnist, tinyConfig } from './helpers.js';

async function lossSequence(config: object, steps: number): Promise<number[]> {
  const losses: number[] = [];
  const controller = new AbortController();
  const trainer = await createTrainer({ ...tinyConfig, epochs: 4, ...config }, { data: bandSplits(64, 16) });
  await trainer
    .fit({
      signal: controller.signal,
      onProgress: (p) => {
        losses.push(p.loss);
        if (losses.length >= steps) controller.abort();
      },
    })
    .catch((error) => {
      if (!(error instanceof AdautomixError && error.code === 'E_ABORT')) throw error;
    });
  await trainer.dispose();
  return losses.slice(0, steps);
}

describe('training', () => {
  it.runIf(hasFashionMnist)('learns Fashion-MNIST well above chance from a slice of it', async () => {
    const trainer = await createTrainer({
      preset: 'fmnist-quick',
      model: { baseWidth: 8 },
      dataset: { trainLimit: 6400, testLimit: 1000 },
      batchSize: 64,
      epochs: 2,
      threads: 2,
      seed: 3,
    });
    const epochs: number[] = [];
    const summary = await trainer.fit({ onEpochEnd: (m) => void epochs.push(m.top1) });
    await trainer.dispose();
    expect(summary.epochsCompleted).toBe(2);
    expect(epochs).toHaveLength(2);
    // Chance is 10%; a working step reaches well over 60% on this slice.
    expect(summary.history[1]!.top1).toBeGreaterThan(60);
    expect(summary.history[1]!.top5).toBeGreaterThan(summary.history[1]!.top1);
    expect(summary.history[1]!.count).toBe(1000);
  });

  it.each(['vanilla', 'mixup'] as const)('the same seed gives the same loss sequence (%s)', async (method) => {
    const config = { method, augment: { cropPadding: 2, flip: true } };
    const a = await lossSequence({ ...config, seed: 11 }, 8);
    const b = await lossSequence({ ...config, seed: 11 }, 8);
    const c = await lossSequence({ ...config, seed: 12 }, 8);
    expect(a).toHaveLength(8);
    expect(b).toHaveLength(8);
    b.forEach((loss, i) => expectSameRunValue(loss, a[i]!, `loss of step ${i + 1}`));
    expect(c).not.toEqual(a);
  });

  it('abort stops at a step boundary, keeps the steps done, and fit() resumes', async () => {
    const trainer = await createTrainer({ ...tinyConfig, epochs: 2 }, { data: bandSplits(128, 16) });
    expect(trainer.totalSteps).toBe(16);
    const controller = new AbortController();
    const seen: StepProgress[] = [];
    let error: unknown;
    try {
      await trainer.fit({
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p);
          if (p.globalStep === 3) controller.abort();
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdautomixError);
    expect((error as AdautomixError).code).toBe('E_ABORT');
    const summary = (error as AdautomixError & { summary: { stepsCompleted: number; aborted: boolean } }).summary;
    // Steps already queued when the signal fired finish (at most the pipeline depth, 2); none start after.
    expect(summary.stepsCompleted).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(4);
    expect(seen.map((p) => p.globalStep)).toEqual(seen.map((_, i) => i + 1));

    const rest: number[] = [];
    const done = await trainer.fit({ onProgress: (p) => rest.push(p.globalStep) });
    expect(rest[0]).toBe(seen.length + 1);
    expect(done.stepsCompleted).toBe(16);
    expect(done.epochsCompleted).toBe(2);
    await trainer.dispose();
  });

  it('an already-aborted signal runs no step', async () => {
    const trainer = await createTrainer(tinyConfig, { data: bandSplits() });
    const controller = new AbortController();
    controller.abort();
    let steps = 0;
    await expect(trainer.fit({ signal: controller.signal, onProgress: () => steps++ })).rejects.toMatchObject({ code: 'E_ABORT' });
    expect(steps).toBe(0);
    await trainer.dispose();
  });

  it('the lr follows the cosine schedule to minLr', async () => {
    const lrs: number[] = [];
    const trainer = await createTrainer(
      { ...tinyConfig, epochs: 2, optimizer: { lr: 0.2, minLr: 0.02, lrStepping: 'epoch' } },
      { data: bandSplits(64, 16) },
    );
    await trainer.fit({ onProgress: (p) => lrs.push(p.lr) });
    await trainer.dispose();
    // Per epoch: epoch 0 at the base lr, epoch 1 at min + (base-min)(1+cos(π/2))/2.
    expect(lrs.slice(0, 4)).toEqual([0.2, 0.2, 0.2, 0.2]);
    for (const lr of lrs.slice(4)) expect(lr).toBeCloseTo(0.02 + 0.18 * 0.5, 12);
  });
});
