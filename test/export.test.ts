/**
 * Export to torchvision's names. Two independent checks: what we write loads through
 * `model.pretrained` (the native loader, whose names test/zoo-parity.test.ts proves against
 * torchvision) into a fresh network of each family with every tensor used and the same logits;
 * and torchvision itself (Debian's python3-torchvision) loads an exported ResNet-18 CIFAR with
 * load_state_dict(strict=True) and computes our logits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelArch, TrainConfig } from '../lib/config/types.js';
import type { DatasetSplits } from '../lib/data/dataset.js';
import { exportRun } from '../lib/export/from-run.js';
import { torchvisionState } from '../lib/export/torchvision.js';
import { readSafetensors, readSafetensorsMetadata, writeSafetensors } from '../lib/io/safetensors.js';
import { RunDir } from '../lib/report/run-dir.js';
import { createTrainer, type Trainer } from '../lib/train/trainer.js';
import { referenceCanImport, runReference } from './reference.js';
import { bandDataset, testDevice } from './helpers.js';
import { maxAbs, maxAbsDiff } from './zoo.js';

/** 3-channel 32x32 splits of 4 classes. */
const data: DatasetSplits = { train: bandDataset(8, 32, 3), test: bandDataset(4, 32, 3, 4, 2), stats: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] } };
const base: TrainConfig = { batchSize: 4, epochs: 1, threads: 2, device: testDevice };
/** A normalised batch of 2 in the model's space. */
const input = { shape: [2, 3, 32, 32], values: Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37)) };

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adx-export-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** `head`'s network exported, then loaded as pretrained weights into a fresh trainer of another seed. */
async function roundTrip(trainer: Trainer, head: string, model: TrainConfig['model']): Promise<{ logits: Float32Array; loaded: number; tensors: number }> {
  const state = torchvisionState(await trainer.weights(), trainer.config.model.arch, head, trainer.config.method.learned !== null);
  const file = join(folder, `${trainer.config.model.arch}-${head}.safetensors`);
  await writeSafetensors(file, state);
  const fresh = await createTrainer({ ...base, seed: 99, model: { ...model, pretrained: file } }, { data });
  try {
    const report = fresh.info.pretrained!;
    expect(report.skipped).toEqual([]);
    expect(report.defaulted).toEqual([]);
    return { logits: (await fresh.forward(input)).heads.head!.values, loaded: report.loaded, tensors: Object.keys(state).length };
  } finally {
    await fresh.dispose();
  }
}

describe('export to torchvision names', () => {
  // One architecture of each family (the classifier's name differs between them), at small widths.
  const families: [ModelArch, number][] = [
    ['resnet18_cifar', 8], ['resnext50_32x4d_cifar', 16], ['preactresnet18', 8], ['wrn28_8', 8], ['swin_t', 32], ['convnext_tiny_cifar', 8],
  ];
  it.each(families)('%s: every tensor loads back as pretrained weights, and the logits are the same', async (arch, baseWidth) => {
    const model = { arch, baseWidth, ...(arch === 'swin_t' && { imageSize: 32 }) };
    const trainer = await createTrainer({ ...base, model, method: 'mixup' }, { data });
    try {
      const expected = (await trainer.forward(input)).heads.head!.values;
      const { logits, loaded, tensors } = await roundTrip(trainer, 'head', model);
      // The classifier's weight and bias count once each, as every other tensor does.
      expect(loaded).toBe(tensors);
      expect(maxAbsDiff(logits, expected)).toBe(0);
    } finally {
      await trainer.dispose();
    }
  }, 120_000);

  it("AdAutoMix: each head's own network; a head it lacks or another method's weights are coded errors", async () => {
    const model = { arch: 'resnet18_cifar' as const, baseWidth: 8 };
    const trainer = await createTrainer({ ...base, model, method: 'adautomix', epochs: 1 }, { data });
    try {
      await trainer.fit(); // the online and EMA networks now differ
      const heads = (await trainer.forward(input)).heads;
      expect(maxAbsDiff(heads.one_k!.values, heads.one_q!.values)).toBeGreaterThan(0);
      for (const head of ['one_k', 'mix_q']) {
        const { logits } = await roundTrip(trainer, head, model);
        expect(maxAbsDiff(logits, heads[head]!.values), head).toBe(0);
      }
      const state = await trainer.weights();
      expect(() => torchvisionState(state, 'resnet18_cifar', 'head', true)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: "unknown head 'head'; this network's heads: mix_k, one_k, mix_q, one_q" }));
      expect(() => torchvisionState(state, 'resnet18_cifar', 'head', false)).toThrow(expect.objectContaining({ code: 'E_DATA' }));
      expect(() => torchvisionState(state, 'vgg16' as ModelArch, 'one_k', true)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    } finally {
      await trainer.dispose();
    }
  }, 120_000);
});

describe.runIf(referenceCanImport('torch, torchvision'))('export read by torchvision', () => {
  it('ResNet-18 CIFAR from a run folder: strict load_state_dict, the same logits', async () => {
    const classes = 4;
    const trainer = await createTrainer({ ...base, model: { arch: 'resnet18_cifar' }, method: 'cutmix', seed: 3 }, { data });
    const run = await RunDir.create(join(folder, 'run'));
    try {
      await trainer.fit();
      await run.writeConfig({ ...trainer.config, resolved: trainer.info });
      await trainer.saveWeights(run.weightsPath);
      const file = join(folder, 'out', 'model.safetensors');
      const network = await exportRun(run.dir, file);
      expect(network).toMatchObject({ arch: 'resnet18_cifar', baseWidth: 64, inputShape: [32, 32, 3], classes, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3], head: 'head', weights: 'last', best: null });
      expect(JSON.parse((await readSafetensorsMetadata(file))['adautomix.network']!)).toEqual(network);

      runReference('zoo_reference.py', ['--arch', 'resnet18_cifar', '--classes', `${classes}`, '--size', '32', '--batch', '3', '--load', file, '--out', join(folder, 'io')]);
      const io = await readSafetensors(join(folder, 'io', 'io.safetensors'));
      const ours = (await trainer.forward(io.input!)).heads.head!.values;
      expect(maxAbsDiff(ours, io.logits!.values)).toBeLessThanOrEqual(1e-4 * maxAbs(io.logits!.values));
      await expect(exportRun(run.dir, file, { weights: 'best' })).rejects.toMatchObject({ code: 'E_IO' });
    } finally {
      await trainer.dispose();
    }
  }, 120_000);
});
