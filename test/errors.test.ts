import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../lib/data/fashion-mnist.js';
import { AdautomixError, type ErrorCode } from '../lib/errors.js';
import { createTrainer } from '../lib/index.js';
import { loadNative, type NativeTrainer, type NativeTrainerOptions } from '../lib/native.js';
import { resolveLearnedMix } from '../lib/config/learned-mix.js';
import { SPEED_DEFAULTS } from '../lib/config/speed.js';
import { bandSplits, tinyConfig, testDevice } from './helpers.js';

async function expectCode(promise: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<AdautomixError> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an ${code} error`).toBeInstanceOf(AdautomixError);
  expect((caught as AdautomixError).code).toBe(code);
  return caught as AdautomixError;
}

const nativeOptions = (): NativeTrainerOptions => ({
  device: testDevice,
  threads: 1,
  seed: 0,
  model: { arch: 'resnet18_cifar', inChannels: 1, numClasses: 4, baseWidth: 4 },
  augment: { cropPadding: 0, flip: false, mean: [0.5], std: [0.5] },
  method: { name: 'vanilla', alpha: 1, learned: null },
  optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 0, nesterov: false, lrStepping: 'epoch' },
  epochs: 1,
  stepsPerEpoch: 10,
  nanPolicy: 'error',
});

describe('error codes', () => {
  it('E_DEVICE for a device that is not there, never a silent fallback', async () => {
    const { cudaAvailable, cudaDeviceCount } = loadNative().buildInfo();
    const device = cudaAvailable ? (`cuda:${cudaDeviceCount}` as const) : ('cuda' as const);
    const error = await expectCode(createTrainer({ ...tinyConfig, device }, { data: bandSplits() }), 'E_DEVICE');
    expect(error.message).toContain(device);
  });

  it('E_CONFIG for bad config values, in the user terms', async () => {
    const data = { data: bandSplits() };
    const bad = [
      [{ batchSize: 0 }, 'batchSize must be an integer in [1, 65536], got 0'],
      [{ method: 'cutmixx' }, "method.name must be one of 'vanilla', 'automix', 'adautomix', 'classic', 'mixup', 'cutmix', 'manifoldmix', 'fmix', 'resizemix', 'saliencymix', 'gridmix', 'smoothmix', 'snapmix', 'puzzlemix', 'attentivemix', got 'cutmixx'"],
      [{ optimizer: { lr: -1 } }, 'optimizer.lr must be a number in (0, 100], got -1'],
      [{ device: 'gpu' }, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got 'gpu'"],
      [{ epochz: 3 }, 'epochz is not an option'],
      [{ preset: 'nope' }, "preset 'nope' does not exist; `adautomix presets` lists all"],
      [{ preset: 'cub-r18-adautomix-200e' }, 'preset cub-r18-adautomix-200e starts from ImageNet-pretrained torchvision weights: pass --pretrained FILE'],
      [{ method: { name: 'automix', mixSamples: 3 } }, 'method.mixSamples is an option of adautomix, not of automix'],
      [{ method: { name: 'mixup', betaRatio: 0.3 } }, 'method.betaRatio is not an option; known: name, alpha, modes, fmixDecay'],
      [{ method: { name: 'adautomix', ema: { scope: [0.5, 0.2] } } }, 'method.ema.scope must be [start, end] with 0 ≤ start ≤ end ≤ 1'],
      [{ method: { name: 'automix', attentionNorm: 'batchnorm' } }, 'method.attentionNorm is an option of adautomix, not of automix'],
      [{ method: { name: 'adautomix', attentionNorm: 'bn' } }, "method.attentionNorm must be one of 'none', 'batchnorm', got 'bn'"],
      [{ method: { name: 'adautomix', ema: { updateInterval: 0 } } }, 'method.ema.updateInterval must be an integer in [1, 1000000], got 0'],
      [{ method: { name: 'adautomix', upsample: 'area' } }, "method.upsample must be one of 'nearest', 'bilinear', 'bicubic', 'random', got 'area'"],
      [{ method: { name: 'adautomix', generator: { lr: 0 } } }, 'method.generator.lr must be a number in (0, 100], got 0'],
      [{ batchSize: 1000 }, 'batchSize (1000) is larger than the training set (64 samples)'],
      [{ augment: { cropPadding: 12 } }, 'augment.cropPadding must be smaller than the image size'],
      [{ augment: { mean: [0.1, 0.2], std: [1, 1] } }, 'one per image channel'],
      [{ augment: { resizedCrop: { size: 8 } } }, 'the training view (8x8) and the test view (12x12) differ'],
      [{ augment: { resizedCrop: { size: 8, scale: [0.5, 0.2] } } }, 'augment.resizedCrop.scale must be [min, max]'],
    ] as const;
    for (const [config, message] of bad) {
      const error = await expectCode(createTrainer({ ...tinyConfig, ...config } as never, data), 'E_CONFIG');
      expect(error.message).toContain(message);
    }
  });

  it('E_CONFIG from the native side for options that slip past TypeScript', async () => {
    const { NativeTrainer } = loadNative();
    await expectCode(() => new NativeTrainer({ ...nativeOptions(), model: { ...nativeOptions().model, arch: 'vgg' } }).init(), 'E_CONFIG');
    await expectCode(() => new NativeTrainer({ ...nativeOptions(), threads: -3 }), 'E_CONFIG');
    await expectCode(() => new NativeTrainer({ ...nativeOptions(), augment: { ...nativeOptions().augment, std: [0] } }).init(), 'E_CONFIG');
    await expectCode(() => new (NativeTrainer as unknown as new (o: unknown) => unknown)(42), 'E_CONFIG');
    const tf32 = await expectCode(() => new NativeTrainer({ ...nativeOptions(), speed: { ...SPEED_DEFAULTS, tf32: 'some' as 'all' } }), 'E_CONFIG');
    expect(tf32.message).toContain("speed.tf32 must be 'off', 'convolutions' or 'all'");
    // LibTorch's SGD would refuse these in its own words (E_NATIVE); the generator's group would take them.
    const optimizer = nativeOptions().optimizer;
    await expectCode(() => new NativeTrainer({ ...nativeOptions(), optimizer: { ...optimizer, lr: -1 } }).init(), 'E_CONFIG');
    await expectCode(() => new NativeTrainer({ ...nativeOptions(), optimizer: { ...optimizer, momentum: -0.5 } }).init(), 'E_CONFIG');
    const learned = resolveLearnedMix('adautomix', {}, optimizer);
    const uphill = { ...learned, generator: { ...learned.generator, lr: -0.1 } };
    const generator = await expectCode(
      () => new NativeTrainer({ ...nativeOptions(), method: { name: 'adautomix', alpha: 1, learned: uphill } }).init(),
      'E_CONFIG',
    );
    expect(generator.message).toContain('method.generator');
  });

  it('learned mixing: E_CONFIG for bad forced draws and mixers without a generator, E_SHAPE for bad weights', async () => {
    const data = bandSplits(64, 32, 16);
    const n = 4;
    const images = data.train.images.subarray(0, n * 16 * 16);
    const labels = data.train.labels.subarray(0, n);
    const adautomix = await createTrainer({ ...tinyConfig, method: 'adautomix' }, { data });
    const native = (adautomix as unknown as { native: NativeTrainer }).native;
    const branch = (perm: number[]) => ({ lambdas: [0.5, 0.5], permutations: [[0, 1, 2, 3], perm] });
    const forced = (perm: number[]) => native.trainStep(images, labels, [n, 16, 16, 1], { generator: branch(perm), classifier: branch([1, 0, 3, 2]) });
    expect((await expectCode(forced([0, 0, 1, 2]), 'E_CONFIG')).message).toContain('permutation of 0..3');
    await expectCode(native.trainStep(images, labels, [n, 16, 16, 1], { generator: branch([1, 0, 3, 2]) }), 'E_CONFIG');
    await expectCode(native.loadState({ 'mix_block.conv_v.weight': { shape: [1], values: new Float32Array(1) } }), 'E_CONFIG');
    const state = await native.state();
    state['mix_block.conv_v.weight'] = { shape: [2, 2], values: new Float32Array(4) };
    await expectCode(native.loadState(state), 'E_SHAPE');
    await adautomix.dispose();
    const vanilla = await createTrainer({ ...tinyConfig }, { data });
    await expectCode(() => vanilla.mixer(), 'E_CONFIG');
    const vanillaNative = (vanilla as unknown as { native: NativeTrainer }).native;
    await expectCode(vanillaNative.mix(images, [n, 16, 16, 1], 0), 'E_CONFIG');
    await vanilla.dispose();
  });

  it('E_SHAPE for batches that do not match, E_DATA for labels out of range', async () => {
    const { NativeTrainer } = loadNative();
    const t = new NativeTrainer(nativeOptions());
    await t.init();
    const images = new Uint8Array(8 * 12 * 12);
    const labels = new Int32Array(8);
    await expectCode(() => t.trainStep(images, labels, [8, 12, 12, 3]), 'E_SHAPE'); // byte count
    await expectCode(() => t.trainStep(new Uint8Array(8 * 12 * 12 * 3), labels, [8, 12, 12, 3]), 'E_SHAPE'); // channels
    await expectCode(() => t.trainStep(images, new Int32Array(7), [8, 12, 12, 1]), 'E_SHAPE');
    await expectCode(() => t.trainStep(new Float32Array(8) as never, labels, [8, 12, 12, 1]), 'E_SHAPE');
    await expectCode(() => t.trainStep(images, labels, [8, 12, 12] as never), 'E_SHAPE');
    await expectCode(() => t.evaluate(images, labels, [8, -12, 12, 1]), 'E_SHAPE');
    labels[5] = 4;
    const error = await expectCode(() => t.trainStep(images, labels, [8, 12, 12, 1]), 'E_DATA');
    expect(error.message).toContain('label 4 at batch index 5');
    labels[5] = 0;
    const ok = await t.trainStep(images, labels, [8, 12, 12, 1]);
    expect(Number.isFinite(ok.loss)).toBe(true);
    await t.dispose();
    await expectCode(() => t.trainStep(images, labels, [8, 12, 12, 1]), 'E_DISPOSED');
  });

  it('E_BUSY for a second fit, E_DISPOSED after dispose', async () => {
    const trainer = await createTrainer(tinyConfig, { data: bandSplits() });
    const first = trainer.fit();
    await expectCode(() => trainer.fit(), 'E_BUSY');
    await first;
    await trainer.dispose();
    await expectCode(() => trainer.fit(), 'E_DISPOSED');
    await expectCode(() => trainer.evaluate(), 'E_DISPOSED');
    await trainer.dispose(); // idempotent
  });

  it('E_NAN when the loss is not finite, and skip-step counts instead', async () => {
    // A std of 1e-45 (float32's smallest subnormal) makes every pixel +inf: the loss is NaN at once.
    const huge = { ...tinyConfig, augment: { mean: [0], std: [1e-45] } };
    const data = bandSplits(64, 16);
    const strict = await createTrainer(huge, { data });
    const error = await expectCode(strict.fit(), 'E_NAN');
    expect(error.message).toMatch(/the loss at step \d+ is (nan|inf|-nan)/);
    await strict.dispose();

    const lenient = await createTrainer({ ...huge, nanPolicy: 'skip-step' }, { data });
    const summary = await lenient.fit();
    expect(summary.history[0]!.skippedSteps).toBe(4);
    expect(summary.stepsCompleted).toBe(4);
    await lenient.dispose();
  });

  it('E_DATA for missing, truncated, corrupt and inconsistent dataset files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-idx-'));
    const idx = (dims: number[], type = 0x08, data?: Uint8Array) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header[2] = type;
      header[3] = dims.length;
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([header, data ?? Buffer.alloc(dims.reduce((a, b) => a * b, 1))]);
    };
    const write = (name: string, bytes: Buffer) => writeFile(join(dir, name), bytes);
    await write('train-images-idx3-ubyte', idx([10, 28, 28]));
    await write('train-labels-idx1-ubyte', idx([10]));
    await write('t10k-images-idx3-ubyte', idx([5, 28, 28]));
    await write('t10k-labels-idx1-ubyte.gz', gzipSync(idx([5])));
    const ok = await loadFashionMnist(dir);
    expect(ok.train.count).toBe(10);
    expect(ok.test.count).toBe(5);

    const cases: [string, Buffer, RegExp][] = [
      ['train-labels-idx1-ubyte', idx([9]), /holds 10 images but .* holds 9 labels/],
      ['train-images-idx3-ubyte', idx([10, 28, 28]).subarray(0, 5000), /truncated/],
      ['train-images-idx3-ubyte', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), /wrong magic/],
      ['train-images-idx3-ubyte', idx([10, 28, 28], 0x0d), /not unsigned byte/],
      ['train-labels-idx1-ubyte', idx([10], 0x08, Buffer.alloc(10, 12)), /label 12 at index 0/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const original = name.startsWith('train-images') ? idx([10, 28, 28]) : idx([10]);
      await write(name, bytes);
      const error = await expectCode(loadFashionMnist(dir), 'E_DATA');
      expect(error.message).toMatch(pattern);
      expect(error.message).toContain('apt-get install dataset-fashion-mnist');
      await write(name, original);
    }
    await write('t10k-labels-idx1-ubyte.gz', gzipSync(idx([5])).subarray(0, 12));
    await expectCode(loadFashionMnist(dir), 'E_DATA');
    await expectCode(loadFashionMnist(join(dir, 'missing')), 'E_DATA');
  });
});
