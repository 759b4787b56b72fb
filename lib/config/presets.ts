/** Named starting points. Each is a partial TrainConfig merged under the user's own values. */
import type { TrainConfig } from './types.js';

export const presets: Record<string, { description: string; config: TrainConfig }> = {
  'fmnist-quick': {
    description:
      'A small-width ResNet-18 (CIFAR stem, base width 16) on all of Fashion-MNIST: 3 epochs, ' +
      'finishes in under 10 minutes on a 2-core CPU with test top-1 above 88%.',
    config: {
      dataset: { name: 'fashion-mnist' },
      model: { arch: 'resnet18_cifar', baseWidth: 16 },
      method: { name: 'vanilla' },
      optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 5e-4, nesterov: true, lrStepping: 'iteration' },
      augment: { cropPadding: 2, flip: true },
      epochs: 3,
      batchSize: 128,
    },
  },
};

export function presetNames(): string[] {
  return Object.keys(presets);
}
