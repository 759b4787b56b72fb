/** Named starting points. Each is a partial TrainConfig merged under the user's own values. */
import type { LearnedMixConfig, TrainConfig } from './types.js';

export interface Preset {
  description: string;
  config: TrainConfig;
  /** Merged under the user's method options when the method is automix or adautomix. */
  learnedDefaults?: LearnedMixConfig;
}

/** OpenMixup's CIFAR-100 ResNet-18 recipe for AutoMix/AdAutoMix, on Fashion-MNIST (28x28, crop padding 2). */
function fmnistR18(method: 'automix' | 'adautomix', description: string): Preset {
  return {
    description,
    config: {
      dataset: { name: 'fashion-mnist' },
      model: { arch: 'resnet18_cifar', baseWidth: 64 },
      method: { name: method },
      optimizer: { lr: 0.1, minLr: 0.05, momentum: 0.9, weightDecay: 1e-4, nesterov: false, lrStepping: 'epoch' },
      augment: { cropPadding: 2, flip: true },
      epochs: 200,
      batchSize: 100,
    },
  };
}

/**
 * The published CIFAR-100 runs of AutoMix/AdAutoMix (ALGORITHMS.md §1.2, §1.11, §2.4, §6.1): SGD
 * 0.1 with per-epoch cosine to minLr, wd 1e-4, batch 100, reflect-crop 4 + flip, CIFAR-10
 * statistics, 800 epochs; the method options are the official CIFAR-100 defaults. The data is the
 * user's: --data DIR.
 */
function cifar100(arch: 'resnet18_cifar' | 'resnext50_32x4d_cifar', method: 'automix' | 'adautomix', minLr: number, description: string): Preset {
  return {
    description: `${description} Needs your CIFAR-100 (binary or Python version): --data DIR.`,
    config: {
      dataset: { name: 'cifar100' },
      model: { arch },
      method: { name: method },
      optimizer: { lr: 0.1, minLr, momentum: 0.9, weightDecay: 1e-4, nesterov: false, lrStepping: 'epoch' },
      augment: { cropPadding: 4, flip: true },
      epochs: 800,
      batchSize: 100,
    },
  };
}

export const presets: Record<string, Preset> = {
  'fmnist-quick': {
    description:
      'A small-width ResNet-18 (CIFAR stem, base width 16) on all of Fashion-MNIST: 3 epochs, ' +
      'finishes in under 10 minutes on a 2-core CPU with test top-1 above 88%. With --method ' +
      'automix|adautomix the EMA teacher uses momentum 0.99 → 0.9999, since 3 epochs are too short for 0.999.',
    config: {
      dataset: { name: 'fashion-mnist' },
      model: { arch: 'resnet18_cifar', baseWidth: 16 },
      method: { name: 'vanilla' },
      optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'iteration' },
      augment: { cropPadding: 2, flip: true },
      epochs: 3,
      batchSize: 128,
    },
    learnedDefaults: { ema: { start: 0.99, end: 0.9999 } },
  },
  'fmnist-r18-adautomix': fmnistR18(
    'adautomix',
    'AdAutoMix with the official CIFAR-100 ResNet-18 settings (full width, N = 3, β 0.3, bilinear masks, ' +
      'lamMargin 0.03, SGD 0.1 → 0.05 per epoch, EMA 0.999 → 0.999999) on Fashion-MNIST, 200 epochs of 100. A GPU job.',
  ),
  'fmnist-r18-automix': fmnistR18(
    'automix',
    'AutoMix with the official CIFAR-100 ResNet-18 settings (full width, α 2, nearest masks, mask loss 0.1, ' +
      'lamMargin 0.08, SGD 0.1 → 0.05 per epoch, EMA 0.999 → 0.999999) on Fashion-MNIST, 200 epochs of 100. A GPU job.',
  ),
  'cifar100-r18-adautomix-800e': cifar100(
    'resnet18_cifar', 'adautomix', 0.05,
    'AdAutoMix, ResNet-18 (CIFAR stem) on CIFAR-100 as published (82.32% top-1 in the AdAutoMix README): N = 3, β 0.3, bilinear masks, lamMargin 0.03, ' +
      'SGD 0.1 → 0.05 per epoch, EMA 0.999 → 0.999999, 800 epochs of 100. A GPU job.',
  ),
  'cifar100-r18-automix-800e': cifar100(
    'resnet18_cifar', 'automix', 0.05,
    'AutoMix, ResNet-18 (CIFAR stem) on CIFAR-100 as published (82.04% top-1 in the AdAutoMix README): α 2, nearest masks, mask loss 0.1, lamMargin 0.08, ' +
      'SGD 0.1 → 0.05 per epoch, EMA 0.999 → 0.999999, 800 epochs of 100. A GPU job.',
  ),
  'cifar100-rx50-adautomix-800e': cifar100(
    'resnext50_32x4d_cifar', 'adautomix', 0.08,
    'AdAutoMix, ResNeXt-50 32x4d (CIFAR stem) on CIFAR-100 as published (84.22% top-1 in the AdAutoMix README): the R18 settings with the cosine floor ' +
      '0.08 of the reported 800-epoch log. A GPU job.',
  ),
};

export function presetNames(): string[] {
  return Object.keys(presets);
}
