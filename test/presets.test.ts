/**
 * The published-run presets (ALGORITHMS.md §6.1, §6.4, §6.5): every one resolves, names follow
 * `<dataset>-<backbone>-<method>-<epochs>e`, and spot checks against the spec's tables and
 * settings (§1.2, §1.11, §2.4, §3, §5.1).
 */
import { describe, expect, it } from 'vitest';
import { presets } from '../lib/config/presets.js';
import { resolveConfig } from '../lib/config/resolve.js';
import type { TrainConfig } from '../lib/config/types.js';

const published = Object.entries(presets).filter(([, p]) => p.published);

function resolve(name: string, extra: TrainConfig = {}) {
  const p = presets[name]!;
  const method = typeof p.config.method === 'object' ? p.config.method.name : p.config.method;
  return resolveConfig({
    preset: name,
    dataset: { dir: '/data' },
    ...(p.needsPretrained && { model: { pretrained: '/weights.safetensors' } }),
    ...(method === 'attentivemix' && { method: { name: 'attentivemix', attentive: { pretrained: '/r18.safetensors' } } }),
    ...extra,
  });
}

describe('published-run presets', () => {
  it('cover every row our backbones and methods support, and all resolve', () => {
    // CIFAR-100: 9 methods × R18/RX50/Swin-T/ConvNeXt-T; Tiny: 13 × 2; ImageNet: 10 × R18/R34/R50/R101;
    // fine-grained: 14 × 7 columns, less AdAutoMix on CUB RX50.
    expect(published.length).toBe(36 + 26 + 40 + 97);
    for (const [name] of published) {
      expect(name).toMatch(/^(cifar100|tiny|imagenet|cub|aircraft|cars)-(r18|r34|r50|r101|rx50|swint|convnextt)-[a-z]+-(800|400|200|100)e$/);
      expect(() => resolve(name), name).not.toThrow();
    }
  });

  it('carry the published settings', () => {
    const rx50 = resolve('cifar100-rx50-adautomix-800e');
    expect([rx50.model.arch, rx50.optimizer.lr, rx50.optimizer.minLr, rx50.epochs, rx50.batchSize]).toEqual(['resnext50_32x4d_cifar', 0.1, 0.08, 800, 100]);
    expect(resolve('cifar100-r18-cutmix-800e').method).toMatchObject({ name: 'cutmix', alpha: 0.2 });
    expect(resolve('cifar100-r18-mixup-800e').optimizer.minLr).toBe(0);

    const swin = resolve('cifar100-swint-adautomix-200e');
    expect(swin.model).toMatchObject({ arch: 'swin_t', imageSize: 224 });
    expect(swin.optimizer).toMatchObject({ name: 'adamw', lr: 5e-4, minLr: 1e-4, weightDecay: 0.05, noDecayOnNormBias: true, warmupEpochs: 20, warmupRatio: 1e-5, gradClip: 10, lrStepping: 'iteration' });
    expect(swin.augment).toMatchObject({ resizedCrop: { size: 224, scale: [0.8, 1] }, evalResize: 224, randAugment: { ops: 2, level: 7, levelStd: 0.5, totalLevel: 10 } });
    expect(swin.method.learned).toMatchObject({ randomSamples: true, lamMargin: 0, lamConcat: true, upsample: 'nearest', ema: { end: 0.99996, scope: [0.25, 1] }, generator: { lr: 1e-3, minLr: 1e-4 } });
    expect(swin.epochs).toBe(200);
    const convnext = resolve('cifar100-convnextt-mixup-200e');
    expect(convnext).toMatchObject({ model: { arch: 'convnext_tiny_cifar' }, method: { alpha: 0.8 }, augment: { cropPadding: 4, randAugment: { ops: 2 } }, optimizer: { lr: 2e-3, gradClip: 0 } });
    expect(presets['cifar100-swint-adautomix-200e']!.published!.top1).toBe(84.33);

    const tiny = resolve('tiny-r18-adautomix-400e');
    expect(tiny.dataset).toMatchObject({ name: 'tiny-imagenet', images: { imageSize: 64 } });
    expect(tiny.augment.resizedCrop).toEqual({ size: 64, scale: [0.08, 1], ratio: [0.75, 4 / 3], interpolation: 'bicubic' });
    expect(tiny.optimizer).toMatchObject({ lr: 0.2, minLr: 0 });
    expect(tiny.method.learned).toMatchObject({ betaRatio: 0.4, lamConcat: false, generator: { lr: 0.1, minLr: 0 } });
    expect(resolve('tiny-rx50-adautomix-400e').method.learned!.generator).toMatchObject({ lr: 0.1, minLr: 1e-3 });
    expect(resolve('tiny-r18-puzzlemix-400e').method.modes![0]!.puzzle.transportSize).toBe(-1);

    const imagenet = resolve('imagenet-r50-adautomix-100e');
    expect(imagenet.method.learned).toMatchObject({ mixSamples: 2, betaRatio: 0.1, lamConcat: true, attentionNorm: 'batchnorm', ema: { end: 0.99999 } });
    expect(resolve('imagenet-r18-adautomix-100e').method.learned!.attentionNorm).toBe('none');
    expect(imagenet).toMatchObject({ batchSize: 256, epochs: 100, model: { arch: 'resnet50' }, augment: { resizedCrop: { size: 224 }, evalCrop: 224 } });
    expect(resolve('imagenet-r18-mixup-100e').method.alpha).toBe(1);
    expect(presets['imagenet-r101-adautomix-100e']!.published!.top1).toBe(79.9);

    const cub = resolve('cub-r50-adautomix-200e');
    expect(cub.model.arch).toBe('resnet50');
    expect(cub.augment).toMatchObject({ resizedCrop: { size: 224, scale: [0.5, 1] }, evalCrop: 224, flip: true });
    expect(cub.dataset.images!.imageSize).toBe(256);
    expect(cub.optimizer).toMatchObject({ lr: 1e-3, weightDecay: 5e-4, minLr: 0 });
    expect(cub.batchSize).toBe(16);
    expect(cub.method.learned).toMatchObject({ betaRatio: 0.1, lamConcat: true, lamMargin: 0.03, ema: { end: 0.99999 }, generator: { lr: 0.1, minLr: 1e-3 } });
    const aircraft = resolve('aircraft-r18-adautomix-200e');
    expect(aircraft.method.learned).toMatchObject({ lamMargin: 0, randomSamples: true });
    expect(aircraft.optimizer.minLr).toBe(5e-4);
    expect(resolve('cars-r18-adautomix-200e').method.learned!.betaRatio).toBe(0.5);
    expect(resolve('cub-r18-automix-200e').method.learned).toMatchObject({ lamConcat: true, maskLoss: { schedule: 'cosine' }, generator: { lr: 0.01, minLr: 5e-4 } });
    expect(presets['cub-rx50-adautomix-200e']).toBeUndefined(); // no published number
    expect(presets['cars-rx50-adautomix-200e']!.published!.top1).toBe(91.59);
    expect(presets['tiny-r18-adautomix-400e']!.published!.top1).toBe(69.19);
  });

  it('another method drops the preset method options', () => {
    const c = resolve('tiny-r18-adautomix-400e', { method: 'cutmix' });
    expect(c.method).toMatchObject({ name: 'cutmix' });
    expect(c.optimizer.lr).toBe(0.2);
  });
});
