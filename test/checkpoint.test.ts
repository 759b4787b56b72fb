/**
 * Checkpoints and exact resume: a run split by a checkpoint (at an epoch boundary, or mid-epoch
 * where an abort stopped it) ends with bitwise the same weights, optimizer state and metrics as
 * the same run straight through (on CUDA: within the repeatability of CUDA runs, helpers.ts); a
 * damaged or foreign checkpoint is refused and changes nothing.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainConfig } from '../lib/config/types.js';
import { AdautomixError } from '../lib/errors.js';
import { CheckpointStore, readCheckpoint } from '../lib/train/checkpoints.js';
import { resumeTrainer } from '../lib/train/resume.js';
import { createTrainer, type Trainer } from '../lib/train/trainer.js';
import { bandSplits, bitwiseRepeatable, expectSameRunTensors, expectSameRunValue, tinyConfig } from './helpers.js';

const data = bandSplits(64, 32);
const config = (method: TrainConfig['method'], optimizer: TrainConfig['optimizer'] = { lr: 0.05, minLr: 0.01 }): TrainConfig => ({
  ...tinyConfig,
  epochs: 3,
  method,
  augment: { cropPadding: 2, flip: true },
  optimizer,
  checkpoint: { every: 1, keep: 2 },
});
// AdamW with a warm-up, clipping and 4-step accumulation: a mid-epoch stop (step 6 or 7) falls
// inside an accumulation window, whose gradients the checkpoint must then carry.
const adamw: TrainConfig['optimizer'] = { name: 'adamw', lr: 2e-3, minLr: 1e-4, warmupEpochs: 1, gradClip: 1, accumulate: 4 };
const runs = [
  ['adautomix', config('adautomix')],
  ['cutmix', config('cutmix')],
  ['mixup with AdamW, warm-up, clipping and accumulation', config('mixup', adamw)],
] as const;

/** Every tensor of the native checkpoint (networks, optimizer) as one comparable record. */
async function everything(trainer: Trainer) {
  const c = await trainer.checkpoint();
  return { tensors: c.native.tensors, rng: Buffer.from(c.native.rng).toString('hex'), counters: c.native.counters };
}

function expectSameTensors(a: Awaited<ReturnType<typeof everything>>, b: Awaited<ReturnType<typeof everything>>) {
  expectSameRunTensors(a.tensors, b.tensors);
  expect(a.rng).toBe(b.rng);
  expect(a.counters).toEqual(b.counters);
}

const metricsWithoutTimes = (history: readonly object[]) =>
  history.map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'seconds' && k !== 'imgPerSec')));

describe('checkpoints and exact resume', () => {
  for (const [label, runConfig] of runs) {
    it(`${label}: 3 epochs straight equal 1 epoch + resume + 2 epochs, and an abort mid-epoch + resume`, async () => {
      const method = (runConfig.method as string);
      const straight = await createTrainer(runConfig, { data });
      const straightSummary = await straight.fit();
      const expected = await everything(straight);
      await straight.dispose();
      // The optimizer's momentum buffers are part of what must match.
      const stateField = runConfig.optimizer?.name === 'adamw' ? '.exp_avg_sq' : '.momentum_buffer';
      expect(Object.keys(expected.tensors).some((n) => n.startsWith('optimizer.0.') && n.endsWith(stateField))).toBe(true);
      if (method === 'adautomix') expect(Object.keys(expected.tensors).some((n) => n.startsWith('optimizer.1.'))).toBe(true);

      // Epoch boundary: train 1 epoch (of 3) with checkpoints, stop, resume in a new trainer.
      const dir = await mkdtemp(join(tmpdir(), 'adx-ckpt-'));
      const first = await createTrainer(runConfig, { data });
      const controller = new AbortController();
      await first
        .fit({ checkpoints: new CheckpointStore(dir, 2), onEpochEnd: () => controller.abort(), signal: controller.signal })
        .catch((e: AdautomixError) => expect(e.code).toBe('E_ABORT'));
      await first.dispose();
      const { trainer: second, checkpoint } = await resumeTrainer(dir, { data });
      expect(second.progress.epoch).toBe(1);
      expect(checkpoint).toBe(join(dir, 'step-000000004'));
      const secondSummary = await second.fit({ checkpoints: new CheckpointStore(dir, 2) });
      expectSameTensors(await everything(second), expected);
      if (bitwiseRepeatable) expect(metricsWithoutTimes(secondSummary.history)).toEqual(metricsWithoutTimes(straightSummary.history));
      else secondSummary.history.forEach((m, i) => expectSameRunValue(m.trainLoss, straightSummary.history[i]!.trainLoss, `train loss of epoch ${i + 1}`));
      await second.dispose();
      // keep = 2: the newest two survive (steps 8 and 12).
      expect((await readdir(dir)).sort()).toEqual(['step-000000008', 'step-000000012']);

      // Mid-epoch: abort after 6 steps (epoch 2, step 2), which writes a checkpoint there.
      const midDir = await mkdtemp(join(tmpdir(), 'adx-ckpt-'));
      const third = await createTrainer(runConfig, { data });
      const stop = new AbortController();
      let steps = 0;
      await third
        .fit({ checkpoints: new CheckpointStore(midDir, 5), signal: stop.signal, onProgress: () => ++steps === 6 && stop.abort() })
        .catch((e: AdautomixError) => expect(e.code).toBe('E_ABORT'));
      await third.dispose();
      const { trainer: fourth, checkpoint: mid } = await resumeTrainer(midDir, { data });
      expect(mid).toMatch(/step-0+[67]$/); // the abort lands after the steps already in flight
      const midTensors = Object.keys((await readCheckpoint(mid)).native.tensors);
      expect(midTensors.some((n) => n.startsWith('gradient.'))).toBe(runConfig.optimizer?.accumulate === 4);
      await fourth.fit();
      expectSameTensors(await everything(fourth), expected);
      await fourth.dispose();
    }, 120_000);
  }

  it('refuses a damaged checkpoint, another config, other data or a foreign state, and changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-ckpt-'));
    const trainer = await createTrainer({ ...config('adautomix'), epochs: 2 }, { data });
    const controller = new AbortController();
    await trainer
      .fit({ checkpoints: new CheckpointStore(dir), onEpochEnd: () => controller.abort(), signal: controller.signal })
      .catch(() => undefined);
    const folder = join(dir, 'step-000000004');
    const good = await readCheckpoint(folder);
    const before = await everything(trainer);

    const code = async (action: Promise<unknown>) => {
      const error = (await action.then(() => null, (e: unknown) => e)) as AdautomixError | null;
      expect(error, 'expected an error').toBeInstanceOf(AdautomixError);
      return error!;
    };
    // Another learning rate: named, with both values.
    const otherLr = await code(trainer.restore({ ...good, config: { ...good.config, optimizer: { ...good.config.optimizer, lr: 0.2 } } }));
    expect(otherLr.code).toBe('E_CHECKPOINT');
    expect(otherLr.message).toContain('optimizer.lr (checkpoint 0.2, now 0.05)');
    // Other data.
    const otherData = await code(trainer.restore({ ...good, data: { ...good.data, trainSamples: 65 } }));
    expect(otherData.message).toContain('trainSamples 65 vs 64 now');
    // The native side: a missing tensor, a wrong shape, a foreign optimizer entry, a short RNG state, a bad counter.
    const tensors = { ...good.native.tensors };
    const generatorWeight = Object.keys(tensors).find((n) => n.startsWith('mix_block.conv_q'))!;
    delete tensors[generatorWeight];
    expect((await code(trainer.restore({ ...good, native: { ...good.native, tensors } }))).message).toContain(`lack '${generatorWeight}'`);
    const reshaped = { ...good.native.tensors, [generatorWeight]: { shape: [1, good.native.tensors[generatorWeight]!.values.length], values: good.native.tensors[generatorWeight]!.values } };
    expect((await code(trainer.restore({ ...good, native: { ...good.native, tensors: reshaped } }))).message).toContain('wrong shape');
    const foreign = { ...good.native.tensors, 'optimizer.7.0.momentum_buffer': { shape: [1], values: new Float32Array(1) } };
    expect((await code(trainer.restore({ ...good, native: { ...good.native, tensors: foreign } }))).message).toContain('optimizer state this run does not have');
    expect((await code(trainer.restore({ ...good, native: { ...good.native, rng: good.native.rng.subarray(1) } }))).message).toContain('random-generator state');
    const counters = { ...good.native.counters, upsample_mode: 9 };
    expect((await code(trainer.restore({ ...good, native: { ...good.native, counters } }))).message).toContain('upsample_mode');
    const noCounter = { ...good.native.counters };
    delete noCounter.adversarial_counter;
    expect((await code(trainer.restore({ ...good, native: { ...good.native, counters: noCounter } }))).message).toContain('adversarial_counter');
    // None of that changed the trainer.
    expectSameTensors(await everything(trainer), before);

    // A flipped byte in the tensor file fails the checksum before anything is read from it.
    const file = join(folder, 'state.safetensors');
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0x40, bytes.length - 3);
    await writeFile(file, bytes);
    const damaged = await code(trainer.resume(folder));
    expect(damaged.code).toBe('E_CHECKPOINT');
    expect(damaged.message).toContain('does not match the checksum');
    await writeFile(join(folder, 'checkpoint.json'), '{"format": "adautomix-checkpoint", "vers');
    expect((await code(trainer.resume(folder))).message).toContain('not valid JSON');
    expect((await code(resumeTrainer(join(dir, 'nothing-here'), { data }))).message).toContain('no checkpoint in');
    expectSameTensors(await everything(trainer), before);
    await trainer.dispose();
  }, 60_000);
});
