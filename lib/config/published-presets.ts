/**
 * The published runs as presets, `<dataset>-<backbone>-<method>-<epochs>e`: every row of
 * ALGORITHMS.md §6.1 (CIFAR-100 CNNs), §6.4 (Tiny-ImageNet) and §6.5 (CUB-200, FGVC-Aircraft,
 * Stanford-Cars) that our backbones and methods cover, with the settings of §1.2, §1.11, §2.4, §3
 * and §5.1, ImageNet-1k (§6.4; ResNeXt-101 is not in the zoo), and the Swin-T/ConvNeXt-T
 * CIFAR-100 columns (AdamW, warm-up and RandAugment).
 */
import { classicAlpha, type AlphaSetting } from './classic-alpha.js';
import type { ClassicMethodName, LearnedMixConfig, MethodConfig, ModelArch, TrainConfig } from './types.js';

export interface PublishedPreset {
  description: string;
  config: TrainConfig;
  /** The preset starts from ImageNet-pretrained torchvision weights, which the user supplies (--pretrained). */
  needsPretrained?: boolean;
  /** The number the source reports for this run (top-1 %), and where. */
  published: { top1: number; source: string };
}

type Method = 'vanilla' | 'automix' | 'adautomix' | ClassicMethodName;

interface Column {
  dataset: 'cifar100' | 'tiny' | 'imagenet' | 'cub' | 'aircraft' | 'cars';
  backbone: 'r18' | 'r34' | 'r50' | 'r101' | 'rx50' | 'swint' | 'convnextt';
  /** Published top-1 per method; methods without a number have no preset. */
  results: Partial<Record<Method, number>>;
}

// Swin-T runs on CIFAR upsampled to 224² (ImageNet layout); ConvNeXt-T on 32² (CIFAR stem).
const CIFAR_STEM: Record<Column['backbone'], ModelArch> = {
  r18: 'resnet18_cifar', r34: 'resnet34_cifar', r50: 'resnet50_cifar', r101: 'resnet101_cifar', rx50: 'resnext50_32x4d_cifar',
  swint: 'swin_t', convnextt: 'convnext_tiny_cifar',
};
const IMAGENET_STEM: Record<Column['backbone'], ModelArch> = {
  r18: 'resnet18', r34: 'resnet34', r50: 'resnet50', r101: 'resnet101', rx50: 'resnext50_32x4d', swint: 'swin_t', convnextt: 'convnext_tiny',
};
const ARCH: Record<Column['dataset'], Record<Column['backbone'], ModelArch>> = {
  cifar100: CIFAR_STEM, tiny: CIFAR_STEM, imagenet: IMAGENET_STEM, cub: IMAGENET_STEM, aircraft: IMAGENET_STEM, cars: IMAGENET_STEM,
};

const r = (...v: (number | null)[]) => v;
/** §6.1 (R18, RX50 at 800 epochs; Swin-T, ConvNeXt-T at 200). */
const CIFAR: [Method, ...(number | null)[]][] = [
  ['vanilla', ...r(78.04, 81.09, 78.41, 78.7)], ['mixup', ...r(79.12, 82.1, 76.78, 81.13)], ['cutmix', ...r(78.17, 78.32, 80.64, 82.46)],
  ['saliencymix', ...r(79.12, 78.77, 80.4, 82.82)], ['fmix', ...r(79.69, 79.02, 80.72, 81.79)], ['resizemix', ...r(80.01, 80.35, 80.16, 82.53)],
  ['puzzlemix', ...r(81.13, 82.85, 80.33, 82.29)], ['automix', ...r(82.04, 83.64, 82.67, 83.3)], ['adautomix', ...r(82.32, 84.22, 84.33, 83.54)],
];
/** §6.4 (Tiny R18, RX50 at 400 epochs; AdAutoMix's numbers where OpenMixup's differ). */
const TINY: [Method, ...(number | null)[]][] = [
  ['vanilla', ...r(61.68, 65.04)], ['mixup', ...r(63.86, 66.36)], ['cutmix', ...r(65.53, 66.47)], ['manifoldmix', ...r(64.15, 67.3)],
  ['smoothmix', ...r(66.65, 69.65)], ['saliencymix', ...r(64.4, 66.55)], ['attentivemix', ...r(64.85, 67.42)], ['fmix', ...r(63.47, 65.08)],
  ['gridmix', ...r(65.14, 66.53)], ['resizemix', ...r(63.17, 65.87)], ['puzzlemix', ...r(65.81, 67.83)], ['automix', ...r(67.33, 70.72)],
  ['adautomix', ...r(69.19, 72.89)],
];
/** §6.4 (ImageNet R18, R34, R50, R101 at 100 epochs; cells without an AdAutoMix-table number left out). */
const IMAGENET: [Method, ...(number | null)[]][] = [
  ['vanilla', ...r(70.04, 73.85, 76.83, 78.18)], ['mixup', ...r(69.98, 73.97, 77.12, 78.97)], ['cutmix', ...r(68.95, 73.58, 77.17, 78.96)],
  ['manifoldmix', ...r(69.98, 73.98, 77.01, 79.02)], ['saliencymix', ...r(69.16, 73.56, 77.14, 79.32)], ['fmix', ...r(69.96, 74.08, 77.19, 79.09)],
  ['resizemix', ...r(69.5, 73.88, 77.42, 79.27)], ['puzzlemix', ...r(70.12, 74.26, 77.54, 79.43)], ['automix', ...r(70.5, 74.52, 77.91, 79.87)],
  ['adautomix', ...r(70.86, 74.82, 78.04, 79.9)],
];
/** §6.5 (CUB R18, R50, RX50; Aircraft R18, RX50; Cars R18, RX50 at 200 epochs). */
const FINE: [Method, ...(number | null)[]][] = [
  ['vanilla', ...r(77.68, 82.38, 83.01, 80.23, 85.1, 86.32, 90.15)],
  ['mixup', ...r(78.39, 82.98, 84.58, 79.52, 85.18, 86.27, 90.81)],
  ['cutmix', ...r(78.4, 83.17, 85.68, 78.84, 84.55, 87.48, 91.22)],
  ['manifoldmix', ...r(79.76, 83.76, 86.38, 80.68, 86.6, 85.88, 90.2)],
  ['smoothmix', ...r(76.42, 82.78, 82.84, 75.01, 83.26, 84.28, 89.23)],
  ['saliencymix', ...r(77.95, 82.02, 83.29, 80.02, 84.31, 86.48, 90.6)],
  ['attentivemix', ...r(78.34, 83.76, 83.69, 74.95, 83.17, 86.91, 90.62)],
  ['fmix', ...r(77.28, 83.34, 84.06, 79.36, 86.23, 87.55, 90.9)],
  ['gridmix', ...r(77.15, 81.98, 83.19, 80.08, 84.82, 86.77, 91.5)],
  ['resizemix', ...r(78.5, 83.41, 84.77, 78.1, 84.08, 88.17, 91.36)],
  ['snapmix', ...r(79.27, 83.15, 83.53, 77.86, 83.41, 88.45, 91.37)],
  ['puzzlemix', ...r(78.63, 83.83, 84.51, 80.76, 86.23, 87.78, 91.29)],
  ['automix', ...r(79.87, 83.88, 86.56, 81.37, 86.72, 88.89, 91.38)],
  ['adautomix', ...r(80.88, 84.57, null, 81.73, 87.16, 89.19, 91.59)],
];

function columns(table: [Method, ...(number | null)[]][], heads: [Column['dataset'], Column['backbone']][]): Column[] {
  return heads.map(([dataset, backbone], i) => ({
    dataset,
    backbone,
    results: Object.fromEntries(table.filter((row) => row[i + 1] != null).map((row) => [row[0], row[i + 1] as number])),
  }));
}

const COLUMNS: Column[] = [
  ...columns(CIFAR, [['cifar100', 'r18'], ['cifar100', 'rx50'], ['cifar100', 'swint'], ['cifar100', 'convnextt']]),
  ...columns(TINY, [['tiny', 'r18'], ['tiny', 'rx50']]),
  ...columns(IMAGENET, [['imagenet', 'r18'], ['imagenet', 'r34'], ['imagenet', 'r50'], ['imagenet', 'r101']]),
  ...columns(FINE, [['cub', 'r18'], ['cub', 'r50'], ['cub', 'rx50'], ['aircraft', 'r18'], ['aircraft', 'rx50'], ['cars', 'r18'], ['cars', 'rx50']]),
];

const EPOCHS: Record<Column['dataset'], number> = { cifar100: 800, tiny: 400, imagenet: 100, cub: 200, aircraft: 200, cars: 200 };
const VIT = new Set<Column['backbone']>(['swint', 'convnextt']);
const epochsOf = (c: Column) => (VIT.has(c.backbone) ? 200 : EPOCHS[c.dataset]);
const SOURCE: Record<Column['dataset'], string> = {
  cifar100: 'AdAutoMix README (ALGORITHMS.md §6.1)',
  tiny: 'AdAutoMix README / Experiments.md (ALGORITHMS.md §6.4)',
  imagenet: 'AdAutoMix README / Experiments.md (ALGORITHMS.md §6.4)',
  cub: 'AdAutoMix Experiments.md (ALGORITHMS.md §6.5)',
  aircraft: 'AdAutoMix Experiments.md (ALGORITHMS.md §6.5)',
  cars: 'AdAutoMix Experiments.md (ALGORITHMS.md §6.5)',
};
const FINE_GRAINED = new Set<Column['dataset']>(['cub', 'aircraft', 'cars']);
const DATA_HELP: Record<Column['dataset'], string> = {
  cifar100: 'your CIFAR-100 (binary or Python version): --data DIR',
  tiny: 'your Tiny-ImageNet (the extracted tiny-imagenet-200): --data DIR',
  imagenet: 'your ImageNet-1k as class folders (DIR/train/<wnid>/, DIR/val/<wnid>/): --data DIR; what does not fit dataset.cacheBudgetMB is decoded per batch',
  cub: 'your CUB-200-2011 as image lists (DIR/meta/train.txt, DIR/meta/test.txt, DIR/images/): --data DIR',
  aircraft: 'your FGVC-Aircraft as image lists (DIR/meta/train.txt, DIR/meta/test.txt, DIR/images/): --data DIR',
  cars: 'your Stanford-Cars as image lists (DIR/meta/train.txt, DIR/meta/test.txt, DIR/images/): --data DIR',
};

/**
 * The CIFAR-100 ViT/ConvNeXt recipes (§1.11, §5.1): AdamW with no decay on norms, biases and
 * position tables, 20 warm-up epochs from 1e-5, per-iteration cosine to 1e-4, RandAugment;
 * Swin-T at 224² (RandomResizedCrop 0.8-1 of the upsampled image, test resize 224, clipping 10),
 * ConvNeXt-T at 32² (reflect-crop 4).
 */
function vitBase(c: Column, arch: ModelArch): TrainConfig {
  const swin = c.backbone === 'swint';
  return {
    dataset: { name: 'cifar100' },
    model: { arch, ...(swin && { imageSize: 224 }) },
    optimizer: {
      name: 'adamw', lr: swin ? 5e-4 : 2e-3, minLr: 1e-4, weightDecay: 0.05, betas: [0.9, 0.999], lrStepping: 'iteration',
      warmupEpochs: 20, warmupRatio: 1e-5, gradClip: swin ? 10 : 0,
    },
    augment: swin
      ? { resizedCrop: { size: 224, scale: [0.8, 1] }, flip: true, randAugment: true, evalResize: 224 }
      : { cropPadding: 4, flip: true, randAugment: true },
    batchSize: 100,
  };
}

/** Data, model, augmentation and the classifier's optimizer of a column (§5.1, §1.11). */
function base(c: Column, method: Method): TrainConfig {
  const arch = ARCH[c.dataset][c.backbone];
  if (VIT.has(c.backbone)) return vitBase(c, arch);
  if (c.dataset === 'cifar100') {
    // Classic methods and vanilla anneal to 0 (§5.1); AutoMix to 0.05; AdAutoMix R18 0.05, RX50 0.08 (its log).
    const minLr = method === 'adautomix' ? (c.backbone === 'rx50' ? 0.08 : 0.05) : method === 'automix' ? 0.05 : 0;
    return {
      dataset: { name: 'cifar100' },
      model: { arch },
      optimizer: { lr: 0.1, minLr, momentum: 0.9, weightDecay: 1e-4, lrStepping: 'epoch' },
      augment: { cropPadding: 4, flip: true },
      batchSize: 100,
    };
  }
  if (c.dataset === 'imagenet') {
    return {
      dataset: { name: 'image-folder', imageSize: 256 },
      model: { arch },
      optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 1e-4, lrStepping: 'epoch' },
      augment: { resizedCrop: { size: 224 }, flip: true, evalCrop: 224 },
      batchSize: 256,
    };
  }
  if (c.dataset === 'tiny') {
    const minLr = method === 'automix' || (method === 'adautomix' && c.backbone === 'rx50') ? 0.05 : 0;
    return {
      dataset: { name: 'tiny-imagenet' },
      model: { arch },
      optimizer: { lr: 0.2, minLr, momentum: 0.9, weightDecay: 1e-4, lrStepping: 'epoch' },
      augment: { resizedCrop: { size: 64 }, flip: true },
      batchSize: 100,
    };
  }
  return {
    dataset: { name: 'image-list', imageSize: 256 },
    model: { arch },
    optimizer: { lr: 1e-3, minLr: c.dataset === 'aircraft' && c.backbone === 'r18' ? 5e-4 : 0, momentum: 0.9, weightDecay: 5e-4, lrStepping: 'epoch' },
    augment: { resizedCrop: { size: 224, scale: [0.5, 1] }, flip: true, evalCrop: 224 },
    batchSize: 16,
  };
}

const ALPHA_SETTING: Record<Column['dataset'], AlphaSetting> = {
  // (cifar100 with Swin-T/ConvNeXt-T: 'cifar100-vit', see alphaSetting)
  cifar100: 'cifar100', tiny: 'tiny-imagenet', imagenet: 'imagenet', cub: 'fine-grained', aircraft: 'fine-grained', cars: 'fine-grained',
};
const alphaSetting = (c: Column): AlphaSetting =>
  VIT.has(c.backbone) ? 'cifar100-vit' : c.dataset === 'imagenet' && c.backbone === 'r18' ? 'imagenet-r18' : ALPHA_SETTING[c.dataset];

/** AdAutoMix's options for a column (§1.2, §1.10, §1.11). */
function adautomix(c: Column): LearnedMixConfig {
  const row = `${c.dataset}-${c.backbone}`;
  if (VIT.has(c.backbone)) {
    // The Swin-T column of §1.2 (ConvNeXt-T's log shows the same method settings), EMA of §1.10.
    return {
      randomSamples: true, lamMargin: 0, lamConcat: true, upsample: 'nearest',
      ema: { end: 0.99996, scope: [0.25, 1] },
      generator: c.backbone === 'swint' ? { lr: 1e-3, minLr: 1e-4 } : { lr: 5e-4, minLr: 5e-5 },
    };
  }
  if (c.dataset === 'cifar100') return {};
  if (c.dataset === 'imagenet') {
    return {
      mixSamples: 2,
      betaRatio: 0.1,
      lamConcat: true,
      ...(c.backbone === 'r50' && { attentionNorm: 'batchnorm' as const }),
      ema: { end: 0.99999 },
      generator: { lr: 0.1, minLr: 1e-3, momentum: 0.9 },
    };
  }
  if (c.dataset === 'tiny') {
    return { betaRatio: 0.4, generator: c.backbone === 'rx50' ? { lr: 0.1, minLr: 1e-3 } : { lr: 0.1, minLr: 0 } };
  }
  const beta: Record<string, number> = { 'cub-r50': 0.1, 'cub-rx50': 0.1, 'aircraft-rx50': 0.6, 'cars-r18': 0.5 };
  return {
    lamConcat: true,
    lamMargin: row === 'aircraft-r18' ? 0 : 0.03,
    randomSamples: ['cub-r18', 'aircraft-r18', 'aircraft-rx50'].includes(row),
    noRepeatShuffle: row === 'cub-rx50',
    betaRatio: beta[row] ?? 0.3,
    ema: { end: 0.99999 },
    generator: { lr: 0.1, minLr: row === 'cub-rx50' ? 5e-4 : 1e-3, momentum: 0.9 },
  };
}

/** AutoMix's options for a column (§2.4). */
function automix(c: Column): LearnedMixConfig {
  if (VIT.has(c.backbone)) {
    return {
      switchOff: 1, lamConcat: true, maskLoss: { schedule: 'cosine' }, ema: { end: 0.99996, scope: [0.25, 1] },
      generator: c.backbone === 'swint' ? { lr: 1e-3, minLr: 1e-4 } : { lr: 5e-4, minLr: 5e-5 },
    };
  }
  if (c.dataset === 'cifar100') return {};
  if (c.dataset === 'tiny') return { generator: { lr: 0.1, minLr: 1e-3 } };
  if (c.dataset === 'imagenet') return { lamConcat: true, ema: { end: 0.99999 }, maskLoss: { schedule: 'cosine' }, generator: { lr: 0.1, minLr: 1e-3, momentum: 0.9 } };
  return { lamConcat: true, ema: { end: 0.99999 }, maskLoss: { schedule: 'cosine' }, generator: { lr: 0.01, minLr: 5e-4, momentum: 0.9 } };
}

function methodConfig(c: Column, method: Method): MethodConfig {
  if (method === 'vanilla') return { name: 'vanilla' };
  if (method === 'adautomix') return { name: 'adautomix', ...adautomix(c) };
  if (method === 'automix') return { name: 'automix', ...automix(c) };
  const alpha = classicAlpha(method, alphaSetting(c)) ?? undefined;
  // OpenMixup's Tiny-ImageNet (and ImageNet) PuzzleMix transports the labelling's own blocks.
  const puzzle = method === 'puzzlemix' && c.dataset !== 'cifar100' ? { puzzle: { transportSize: -1 } } : {};
  return { name: method, ...(alpha !== undefined && { alpha }), ...puzzle };
}

const DATASET_LABEL: Record<Column['dataset'], string> = {
  cifar100: 'CIFAR-100', tiny: 'Tiny-ImageNet', imagenet: 'ImageNet-1k', cub: 'CUB-200', aircraft: 'FGVC-Aircraft', cars: 'Stanford-Cars',
};

function preset(c: Column, method: Method, top1: number): [string, PublishedPreset] {
  const epochs = epochsOf(c);
  const name = `${c.dataset}-${c.backbone}-${method}-${epochs}e`;
  const fine = FINE_GRAINED.has(c.dataset);
  const config: TrainConfig = { ...base(c, method), method: methodConfig(c, method), epochs };
  const extra = method === 'attentivemix' ? ' AttentiveMix also needs method.attentive.pretrained.' : '';
  return [
    name,
    {
      description:
        `${method} with ${ARCH[c.dataset][c.backbone]} on ${DATASET_LABEL[c.dataset]}, ${epochs} epochs of ${config.batchSize}, as published ` +
        `(${top1}% top-1, ${SOURCE[c.dataset]}). Needs ${DATA_HELP[c.dataset]}` +
        (fine ? '; starts from ImageNet-pretrained torchvision weights: --pretrained FILE (docs/models.md).' : '.') +
        extra,
      config,
      ...(fine && { needsPretrained: true }),
      published: { top1, source: SOURCE[c.dataset] },
    },
  ];
}

export const PUBLISHED_PRESETS: Record<string, PublishedPreset> = Object.fromEntries(
  COLUMNS.flatMap((c) => (Object.entries(c.results) as [Method, number][]).map(([method, top1]) => preset(c, method, top1))),
);
