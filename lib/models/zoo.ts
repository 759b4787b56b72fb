/**
 * The model zoo as TypeScript sees it, for validating configs before the addon loads. The native
 * registry (`listModels()` from the addon) is the authority; a test keeps the two equal.
 */

import type { ModelArch } from '../config/types.js';

export type ModelFamily = 'resnet' | 'resnext' | 'preactresnet' | 'wrn' | 'swin' | 'convnext';

export interface ModelInfo {
  name: ModelArch;
  family: ModelFamily;
  description: string;
  /** CIFAR-style stem (3x3, stride 1, no max-pool) rather than the ImageNet one. */
  cifarStem: boolean;
  /** Default width of the first stage (Bottleneck ResNets: its planes before the ×4). */
  baseWidth: number;
  /** Image size the architecture is laid out for (Swin sizes its windows from it). */
  imageSize: number;
  /** Default stochastic-depth rate of the last block (0: the architecture has none). */
  dropPath: number;
  stages: number;
}

function resnets(cifar: boolean): ModelInfo[] {
  const suffix = cifar ? ('_cifar' as const) : ('' as const);
  const stem = cifar ? '3x3 stride-1 stem, no max-pool' : '7x7 stride-2 stem + max-pool';
  const common = { cifarStem: cifar, baseWidth: 64, imageSize: cifar ? 32 : 224, dropPath: 0, stages: 4 };
  return [
    ...([18, 34, 50, 101] as const).map((depth) => ({
      name: `resnet${depth}${suffix}` as const, family: 'resnet' as const, description: `ResNet-${depth}, ${stem}`, ...common,
    })),
    { name: `resnext50_32x4d${suffix}` as const, family: 'resnext', description: `ResNeXt-50 32x4d, ${stem}`, ...common },
  ];
}

export const MODELS: readonly ModelInfo[] = [
  ...resnets(true),
  ...resnets(false),
  ...([18, 34] as const).map((depth) => ({
    name: `preactresnet${depth}` as const, family: 'preactresnet' as const,
    description: `PreAct ResNet-${depth} (pre-activation, no norm after the last stage), CIFAR stem`,
    cifarStem: true, baseWidth: 64, imageSize: 32, dropPath: 0, stages: 4,
  })),
  {
    name: 'wrn28_8', family: 'wrn', description: 'Wide ResNet 28-8 (pre-activation, LeakyReLU 0.1), CIFAR stem',
    cifarStem: true, baseWidth: 128, imageSize: 32, dropPath: 0, stages: 3,
  },
  {
    name: 'swin_t', family: 'swin', description: 'Swin-T, patch 4, window 7 (smaller where the map is smaller)',
    cifarStem: false, baseWidth: 96, imageSize: 224, dropPath: 0.2, stages: 4,
  },
  {
    name: 'convnext_tiny', family: 'convnext', description: 'ConvNeXt-T, 4x4 stride-4 stem',
    cifarStem: false, baseWidth: 96, imageSize: 224, dropPath: 0.1, stages: 4,
  },
  {
    name: 'convnext_tiny_cifar', family: 'convnext', description: 'ConvNeXt-T, 3x3 stride-1 CIFAR stem',
    cifarStem: true, baseWidth: 96, imageSize: 32, dropPath: 0.1, stages: 4,
  },
];

export const MODEL_NAMES = MODELS.map((m) => m.name);

export function modelInfo(name: string): ModelInfo | undefined {
  return MODELS.find((m) => m.name === name);
}

/** Why `baseWidth` does not suit the family, or null when it does. */
export function baseWidthProblem(info: ModelInfo, width: number): string | null {
  if (info.family === 'swin' && width % 32 !== 0) return `Swin needs a multiple of 32 (the head width), got ${width}`;
  if (info.family === 'resnext' && width < 16) return `ResNeXt-50 32x4d needs at least 16, got ${width}`;
  return null;
}
