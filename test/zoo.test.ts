/**
 * Every registered architecture builds, gives the stage shapes ALGORITHMS.md §4 describes, and
 * trains (one SGD step reaches every parameter); pretrained loading names what does not fit and
 * changes nothing when it fails; stochastic depth is seeded and off in eval mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../lib/index.js';
import { resolveConfig } from '../lib/config/resolve.js';
import { loadNative, type TensorRecord } from '../lib/native.js';
import { MODELS, type ModelInfo } from '../lib/models/zoo.js';
import { bandSplits, tinyConfig } from './helpers.js';
import { maxAbsDiff, zooTrainer } from './zoo.js';

// 64² keeps at least 2x2 tokens in Swin's last stage, where a 1-token window would leave its
// position bias without gradient (softmax over one entry).
const size = 64;
const batch = 2;

/** Stage [channels, side] for a size² input, worked out from the architecture's description. */
function expectedStages(m: ModelInfo): Array<[number, number]> {
  const w = m.baseWidth;
  const first = m.cifarStem ? size : size / 4; // ImageNet stems and Swin's patches divide by 4
  switch (m.family) {
    case 'wrn':
      return [0, 1, 2].map((i) => [w << i, size >> i]);
    case 'swin': // merging closes stages 1-3
      return [[2 * w, first / 2], [4 * w, first / 4], [8 * w, first / 8], [8 * w, first / 8]];
    case 'convnext':
      return [0, 1, 2, 3].map((i) => [w << i, first >> i]);
    default: {
      const expansion = m.family === 'resnext' || /resnet(50|101)/.test(m.name) ? 4 : 1;
      return [0, 1, 2, 3].map((i) => [(w << i) * expansion, first >> i]);
    }
  }
}

/**
 * Opens every residual path: zero-initialised last-BN γ (ResNets) and ConvNeXt's 1e-6 layer scale
 * keep the gradient out of their branch on the first step, by design.
 */
function liveBranches(state: TensorRecord): TensorRecord {
  const out: TensorRecord = {};
  for (const [name, t] of Object.entries(state)) {
    const zeroGamma = /bn\d\.weight$/.test(name) && t.values.every((v) => v === 0);
    const fill = zeroGamma ? 1 : name.endsWith('layer_scale') ? 0.3 : null;
    out[name] = fill === null ? t : { shape: t.shape, values: new Float32Array(t.values.length).fill(fill) };
  }
  return out;
}

function randomInput(n: number, c: number, s: number, seed: number) {
  let x = seed;
  const values = Float32Array.from({ length: n * c * s * s }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
  return { shape: [n, c, s, s], values };
}

function pixels(n: number, s: number, c: number) {
  return new Uint8Array(n * s * s * c).map((_, i) => (i * 2654435761) % 251);
}

const isBuffer = (name: string) => /running_mean|running_var|num_batches_tracked|relative_position_index/.test(name);

describe('model zoo', () => {
  it('lists in TypeScript exactly what the addon builds', () => {
    expect(loadNative().listModels()).toEqual(MODELS);
  });

  it.each(MODELS.map((m) => [m.name, m] as const))('%s: stage shapes, and one step reaches every parameter', async (_, m) => {
    const trainer = zooTrainer({ arch: m.name, inChannels: 3, numClasses: 7, imageSize: size, dropPath: 0 }, 3);
    try {
      await trainer.init();
      const out = await trainer.forward(randomInput(batch, 3, size, 11), true);
      const stages = Object.values(out.stages).map((t) => t.shape);
      expect(stages).toEqual(expectedStages(m).map(([c, s]) => [batch, c, s, s]));
      expect(out.heads.head!.shape).toEqual([batch, 7]);

      await trainer.loadState(liveBranches(await trainer.state()));
      const before = await trainer.state();
      const step = await trainer.trainStep(pixels(batch, size, 3), Int32Array.from([1, 5]), [batch, size, size, 3]);
      expect(Number.isFinite(step.loss)).toBe(true);
      const after = await trainer.state();
      const unchanged = Object.keys(before).filter(
        (name) => !isBuffer(name) && maxAbsDiff(before[name]!.values, after[name]!.values) === 0,
      );
      expect(unchanged).toEqual([]);
      for (const name of Object.keys(before).filter((n) => n.endsWith('relative_position_index'))) {
        expect(after[name]!.values).toEqual(before[name]!.values);
      }
    } finally {
      await trainer.dispose();
    }
  }, 120_000);

  it('Swin keeps 4 stages and windows that fit maps smaller than 7 (28² and 36² inputs)', async () => {
    for (const s of [28, 36]) {
      const trainer = zooTrainer({ arch: 'swin_t', inChannels: 1, numClasses: 3, imageSize: s, baseWidth: 32 });
      try {
        await trainer.init();
        const out = await trainer.forward(randomInput(1, 1, s, 5), true);
        expect(Object.values(out.stages).map((t) => t.shape[2])).toEqual([Math.ceil(s / 8), Math.ceil(s / 16), Math.ceil(s / 32), Math.ceil(s / 32)]);
        expect(out.heads.head!.values.every(Number.isFinite)).toBe(true);
      } finally {
        await trainer.dispose();
      }
    }
  }, 60_000);

  it('stochastic depth: seeded in training, absent in eval', async () => {
    const run = async (dropPath: number, seed: number) => {
      const trainer = zooTrainer({ arch: 'convnext_tiny_cifar', inChannels: 3, numClasses: 4, baseWidth: 16, dropPath }, seed);
      try {
        await trainer.init();
        await trainer.loadState(liveBranches(await trainer.state()));
        const logits = (await trainer.forward(randomInput(2, 3, 16, 9), false)).heads.head!.values;
        const loss = (await trainer.trainStep(pixels(4, 16, 3), Int32Array.from([0, 1, 2, 3]), [4, 16, 16, 3])).loss;
        return { logits, loss };
      } finally {
        await trainer.dispose();
      }
    };
    const [a, b, none] = [await run(0.9, 1), await run(0.9, 1), await run(0, 1)];
    expect(a.loss).toBe(b.loss);
    expect(a.logits).toEqual(none.logits);
    expect(a.loss).not.toBeCloseTo(none.loss, 6);
  }, 60_000);
});

describe('pretrained weights', () => {
  /** A trainer's own weights under torchvision's names (backbone.* → *, head.fc.* → fc.*). */
  async function torchvisionNamed(classes: number): Promise<TensorRecord> {
    const source = zooTrainer({ arch: 'resnet18_cifar', inChannels: 3, numClasses: classes, baseWidth: 8 }, 42);
    await source.init();
    const state = await source.state();
    await source.dispose();
    const out: TensorRecord = {};
    for (const [name, t] of Object.entries(state)) out[name.replace(/^backbone\./, '').replace(/^head\.fc\./, 'fc.')] = t;
    return out;
  }

  async function target(classes: number) {
    const trainer = zooTrainer({ arch: 'resnet18_cifar', inChannels: 3, numClasses: classes, baseWidth: 8 }, 1);
    await trainer.init();
    return trainer;
  }

  it('loads every tensor under its torchvision name, or skips the classifier', async () => {
    const weights = await torchvisionNamed(10);
    const trainer = await target(10);
    try {
      const report = await trainer.loadPretrained(weights, false);
      expect(report.loaded).toBe(Object.keys(weights).length);
      const state = await trainer.state();
      expect(state['backbone.layer3.1.conv2.weight']!.values).toEqual(weights['layer3.1.conv2.weight']!.values);
      expect(state['head.fc.weight']!.values).toEqual(weights['fc.weight']!.values);
    } finally {
      await trainer.dispose();
    }
    const other = await target(5);
    try {
      const report = await other.loadPretrained(weights, true);
      expect(report.skipped.sort()).toEqual(['fc.bias', 'fc.weight']);
      const state = await other.state();
      expect(state['backbone.conv1.weight']!.values).toEqual(weights['conv1.weight']!.values);
    } finally {
      await other.dispose();
    }
  });

  it("takes a run's own weights: a single network's, or the EMA network of an AdAutoMix run", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-own-weights-'));
    const data = bandSplits(32, 16, 16);
    const small = { ...tinyConfig, epochs: 1, batchSize: 16 };
    try {
      const learned = await createTrainer({ ...small, method: 'adautomix' }, { data });
      await learned.fit();
      const source = await learned.weights();
      await learned.saveWeights(join(dir, 'adautomix.safetensors'));
      await learned.dispose();
      // Into a vanilla network: the EMA backbone and its one-hot head, nothing of the rest.
      const vanilla = await createTrainer({ ...small, model: { ...small.model, pretrained: join(dir, 'adautomix.safetensors') } }, { data });
      const state = await vanilla.weights();
      expect(vanilla.info.pretrained!.loaded).toBe(Object.keys(state).length);
      for (const [name, t] of Object.entries(state)) {
        const from = name.startsWith('head.') ? name.replace('head.', 'head_one_k.') : name.replace('backbone.', 'backbone_k.');
        expect(t.values, name).toEqual(source[from]!.values);
      }
      await vanilla.saveWeights(join(dir, 'vanilla.safetensors'));
      await vanilla.dispose();
      // A single network's run, fine-tuned on other classes: its classifier is skipped.
      const fewer = { ...data, train: { ...data.train, numClasses: 5 }, test: { ...data.test, numClasses: 5 } };
      const other = await createTrainer({ ...small, model: { ...small.model, pretrained: join(dir, 'vanilla.safetensors'), skipClassifier: true } }, { data: fewer });
      expect(other.info.pretrained!.skipped.sort()).toEqual(['fc.bias', 'fc.weight']);
      expect((await other.weights())['backbone.conv1.weight']!.values).toEqual(state['backbone.conv1.weight']!.values);
      await other.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names missing, unexpected and mismatched tensors, and changes nothing', async () => {
    const weights = await torchvisionNamed(10);
    const broken: TensorRecord = { ...weights, 'layer9.extra.weight': weights['conv1.weight']! };
    delete broken['layer2.0.bn1.running_var'];
    const trainer = await target(5);
    try {
      const before = await trainer.state();
      const error = await trainer.loadPretrained(broken, false).then(
        () => { throw new Error('loadPretrained accepted broken weights'); },
        (e: unknown) => e as Error & { code: string },
      );
      expect(error).toMatchObject({ code: 'E_SHAPE' });
      expect(error.message).toContain('layer2.0.bn1.running_var');
      expect(error.message).toContain('layer9.extra.weight');
      expect(error.message).toMatch(/fc\.weight \[10, 64\] vs the model's \[5, 64\]/);
      expect(error.message).toContain('skip the classifier');
      const after = await trainer.state();
      for (const name of Object.keys(before)) expect(after[name]!.values).toEqual(before[name]!.values);
    } finally {
      await trainer.dispose();
    }
  });
});

describe('model config', () => {
  it('takes the architecture defaults and rejects what does not fit it', () => {
    expect(resolveConfig({ model: { arch: 'swin_t' } }).model).toMatchObject({ baseWidth: 96, dropPath: 0.2, imageSize: null });
    expect(resolveConfig({ model: { arch: 'wrn28_8' } }).model.baseWidth).toBe(128);
    expect(() => resolveConfig({ model: { arch: 'swin_t', baseWidth: 40 } })).toThrow(/multiple of 32/);
    expect(() => resolveConfig({ model: { arch: 'resnet18', dropPath: 0.1 } })).toThrow(/no stochastic depth/);
    expect(() => resolveConfig({ model: { skipClassifier: true } })).toThrow(/only applies with model.pretrained/);
    expect(() => resolveConfig({ model: { arch: 'vgg16' as never } })).toThrow(/model.arch/);
  });
});
