/** Named starting points. Each is a partial TrainConfig merged under the user's own values. */
import { PUBLISHED_PRESETS } from './published-presets.js';
import type { LearnedMixConfig, TrainConfig } from './types.js';

export interface Preset {
  description: string;
  config: TrainConfig;
  /** Merged under the user's method options when the method is automix or adautomix. */
  learnedDefaults?: LearnedMixConfig;
  /** The run starts from ImageNet-pretrained weights the user supplies (model.pretrained). */
  needsPretrained?: boolean;
  /** The published top-1 this preset reproduces, and its source. */
  published?: { top1: number; source: string };
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
  ...PUBLISHED_PRESETS,
};

export function presetNames(): string[] {
  return Object.keys(presets);
}
