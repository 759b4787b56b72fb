/**
 * Best-epoch weights: which epoch fit({ bestWeights }) keeps (the first with the highest top-1 of
 * the reported head), that the file holds that epoch's weights bit for bit, what a file already
 * there counts for, and the record in the file's header.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, readSafetensorsMetadata, writeSafetensors } from '../lib/io/safetensors.js';
import type { TensorRecord } from '../lib/native.js';
import { bestMetadata, bestToBeat, BestWeights, readBestRecord, runWeightsFile, type BestRecord } from '../lib/train/best-weights.js';
import type { EpochMetrics } from '../lib/train/events.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, expectBitwiseEqualTensors, tinyConfig } from './helpers.js';

const epoch = (n: number, top1: number, head = 'head'): EpochMetrics => ({
  epoch: n,
  top1,
  top5: 100,
  loss: 1,
  count: 10,
  head,
  heads: { [head]: { top1, top5: 100, loss: 1 } },
  trainLoss: 1,
  lr: 0.1,
  imgPerSec: 1,
  seconds: 1,
  skippedSteps: 0,
});

const record = (over: Partial<BestRecord> = {}): BestRecord => ({ epoch: 2, globalStep: 20, head: 'head', split: 'test', top1: 61.5, ...over });

const tempDir = () => mkdtemp(join(tmpdir(), 'adx-best-'));
const tiny = { w: { shape: [2], values: new Float32Array([1, 2]) } };

describe('best weights: the rule', () => {
  const history = [epoch(1, 40), epoch(2, 61.5), epoch(3, 55)];

  it('a file counts only where the history has its epoch with its head and top-1', () => {
    expect(bestToBeat(null, history)).toBe(-Infinity);
    expect(bestToBeat(record(), history)).toBe(61.5);
    // Written after the checkpoint the run resumed from, by another run, or for another head.
    expect(bestToBeat(record({ epoch: 4 }), history)).toBe(-Infinity);
    expect(bestToBeat(record({ top1: 61.6 }), history)).toBe(-Infinity);
    expect(bestToBeat(record({ head: 'one_k' }), history)).toBe(-Infinity);
    expect(bestToBeat(record(), [])).toBe(-Infinity);
  });

  it('writes after each epoch that beats every earlier one, and keeps the first of equals', async () => {
    const dir = await tempDir();
    const best = await BestWeights.open(join(dir, 'best.safetensors'), 'validation', []);
    const written: number[] = [];
    const save = async (path: string, metadata: Record<string, string>) => {
      await writeSafetensors(path, tiny, metadata);
      written.push(JSON.parse(metadata['adautomix.best']!).epoch);
    };
    const top1s = [50, 60, 55, 60, 70, 12];
    for (const [i, t] of top1s.entries()) await best.offer(epoch(i + 1, t), 10 * (i + 1), save);
    expect(written).toEqual([1, 2, 5]);
    expect(best.record).toEqual({ epoch: 5, globalStep: 50, head: 'head', split: 'validation', top1: 70 });
    expect(await readBestRecord(best.path)).toEqual(best.record);

    // Opened again after a resume: the file is epoch 5 of this history, so only a higher top-1 replaces it.
    const history = top1s.map((t, i) => epoch(i + 1, t));
    const again = await BestWeights.open(best.path, 'validation', history);
    expect(again.record?.epoch).toBe(5);
    expect(await again.offer(epoch(7, 70), 70, save)).toBe(false);
    expect(await again.offer(epoch(7, 70.5), 70, save)).toBe(true);
    // A history that does not have it (a fresh run on the same path): the first epoch replaces it.
    const fresh = await BestWeights.open(best.path, 'validation', []);
    expect(fresh.record).toBeNull();
    expect(await fresh.offer(epoch(1, 3), 1, save)).toBe(true);
    expect(written).toEqual([1, 2, 5, 7, 1]);
  });
});

describe('best weights: the file', () => {
  it('the record round-trips through the header, which is read without the tensors', async () => {
    const dir = await tempDir();
    const path = join(dir, 'best.safetensors');
    await writeSafetensors(path, tiny, bestMetadata(record({ top1: 100 / 3 })));
    expect(await readBestRecord(path)).toEqual(record({ top1: 100 / 3 }));
    expect(await readSafetensorsMetadata(path)).toEqual({ 'adautomix.best': JSON.stringify(record({ top1: 100 / 3 })) });
    expect((await readSafetensors(path)).w!.values).toEqual(new Float32Array([1, 2]));
    expect(await readBestRecord(join(dir, 'none.safetensors'))).toBeNull();

    const plain = join(dir, 'plain.safetensors');
    await writeSafetensors(plain, tiny);
    expect(await readSafetensorsMetadata(plain)).toEqual({});
    await expect(readBestRecord(plain)).rejects.toMatchObject({ code: 'E_DATA', message: expect.stringContaining('no best-epoch record') });
    const broken = join(dir, 'broken.safetensors');
    await writeFile(broken, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    await expect(readSafetensorsMetadata(broken)).rejects.toMatchObject({ code: 'E_DATA' });
  });

  it("a run folder's weights by name: last, best, or a coded error", async () => {
    const dir = await tempDir();
    expect(await runWeightsFile(dir)).toEqual({ path: join(dir, 'weights.safetensors'), best: null });
    await expect(runWeightsFile(dir, 'newest')).rejects.toMatchObject({ code: 'E_CONFIG', message: "weights must be 'last' or 'best', got 'newest'" });
    await expect(runWeightsFile(dir, 'best')).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining('has no best.safetensors') });
    await writeSafetensors(join(dir, 'best.safetensors'), tiny, bestMetadata(record()));
    expect(await runWeightsFile(dir, 'best')).toEqual({ path: join(dir, 'best.safetensors'), best: record() });
  });
});

describe('best weights: a trainer', () => {
  it("fit({ bestWeights }) holds the best epoch's weights bit for bit, and they evaluate to its top-1", async () => {
    const data = bandSplits(64, 32);
    const config = { ...tinyConfig, epochs: 4, method: 'vanilla' as const, optimizer: { lr: 0.05, minLr: 0.05 } };
    const dir = await tempDir();
    const path = join(dir, 'best.safetensors');
    // A foreign file (another run's epoch 5 at 100%) is no epoch of this run: epoch 1 replaces it.
    await writeSafetensors(path, tiny, bestMetadata(record({ epoch: 5, top1: 100 })));
    const trainer = await createTrainer(config, { data });
    const snapshots: TensorRecord[] = [];
    const written: number[] = [];
    try {
      const summary = await trainer.fit({
        bestWeights: path,
        onEpochEnd: async (m) => {
          snapshots.push(await trainer.weights());
          written.push((await readBestRecord(path))!.epoch);
        },
      });
      const top1s = summary.history.map((m) => m.top1);
      const first = top1s.indexOf(Math.max(...top1s)) + 1;
      expect(summary.best).toMatchObject({ epoch: first, head: 'head', split: 'test', top1: top1s[first - 1], globalStep: first * trainer.info.stepsPerEpoch });
      expect(await readBestRecord(path)).toEqual(summary.best);
      // After each epoch the file is the newest epoch that beat all before it.
      const expected = top1s.map((_, i) => top1s.slice(0, i + 1).indexOf(Math.max(...top1s.slice(0, i + 1))) + 1);
      expect(written).toEqual(expected);
      // These settings move the best more than once (on the CPU: top-1 50, 75, 100, 100, so the
      // file is epoch 3, not the last one).
      expect(new Set(written).size).toBeGreaterThanOrEqual(2);

      const saved = await readSafetensors(path);
      const snapshot = snapshots[first - 1]!;
      expectBitwiseEqualTensors(snapshot, saved);

      await trainer.loadWeights(path);
      expect((await trainer.evaluate()).top1).toBeCloseTo(summary.best!.top1, 9);
    } finally {
      await trainer.dispose();
    }
    await expect(createTrainer(config, { data }).then((t) => t.fit({ bestWeights: '' as string }).finally(() => t.dispose()))).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});
