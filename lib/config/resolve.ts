/**
 * Validates a TrainConfig and fills defaults. Messages speak the user's terms
 * ("batchSize must be an integer in [1, 65536], got 0"), before any native work starts.
 */
import { availableParallelism, totalmem } from 'node:os';
import { configError } from '../errors.js';
import { bool, checkKeys, describe, int, num, oneOf, optionalNumbers, section } from './validate.js';
import { cifarFolders } from '../data/cifar.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../data/fashion-mnist.js';
import { presetNames, presets } from './presets.js';
import { LEARNED_METHOD_KEYS, resolveLearnedMix } from './learned-mix.js';
import { CLASSIC_METHOD_KEYS, CLASSIC_METHODS, isClassicMethod, resolveClassicModes } from './classic-mix.js';
import type { DatasetName, MethodConfig, MethodName, ResolvedConfig, TrainConfig } from './types.js';
import { resolveModel } from './model.js';
import { resolveSpeed } from './speed.js';

const METHODS: readonly MethodName[] = ['vanilla', 'automix', 'adautomix', 'classic', ...CLASSIC_METHODS];
const LEARNED_DEFAULT_ALPHA = { automix: 2, adautomix: 1 } as const;

function isDevice(value: unknown): boolean {
  return typeof value === 'string' && /^(auto|cpu|cuda(:\d{1,4})?)$/.test(value);
}

/**
 * The preset's model settings were chosen for its architecture: a user who names another
 * architecture gets that one's defaults, not the preset's width.
 */
function mergeModel(preset: TrainConfig['model'], user: TrainConfig['model']): TrainConfig['model'] {
  if (user?.arch !== undefined && user.arch !== (preset?.arch ?? 'resnet18_cifar')) return { ...user };
  return { ...preset, ...user };
}

/** Shallow-per-section merge: the user's section fields override the preset's. */
function mergeWithPreset(config: TrainConfig): TrainConfig {
  if (config.preset === undefined) return config;
  const preset = presets[config.preset];
  if (!preset) {
    const near = presetNames().filter((p) => typeof config.preset === 'string' && p.startsWith(config.preset.split('-')[0]!)).slice(0, 5);
    throw configError(
      `preset ${describe(config.preset)} does not exist; \`adautomix presets\` lists all ${presetNames().length}` +
        (near.length > 0 ? ` (e.g. ${near.join(', ')})` : ' (e.g. fmnist-quick, cifar100-r18-adautomix-800e)'),
    );
  }
  const base = preset.config;
  const method =
    typeof config.method === 'string' ? { name: config.method } : config.method;
  const baseMethod = typeof base.method === 'string' ? { name: base.method } : base.method;
  const name = method?.name ?? baseMethod?.name;
  const learned = name === 'automix' || name === 'adautomix' ? preset.learnedDefaults : undefined;
  // Another method than the preset's keeps none of the preset's method options (they belong to its method).
  const presetMethod = method?.name !== undefined && method.name !== baseMethod?.name ? {} : baseMethod;
  const model = mergeModel(base.model, config.model);
  if (preset.needsPretrained && !model?.pretrained) {
    throw configError(
      `preset ${config.preset} starts from ImageNet-pretrained torchvision weights: pass --pretrained FILE (model.pretrained; see docs/models.md)`,
    );
  }
  return {
    ...base,
    ...config,
    dataset: { ...base.dataset, ...config.dataset },
    model,
    method: { ...learned, ...presetMethod, ...method },
    optimizer: { ...base.optimizer, ...config.optimizer },
    augment: { ...base.augment, ...config.augment },
  };
}

const EXPECTED_LAYOUT: Record<Exclude<DatasetName, 'fashion-mnist' | 'cifar10' | 'cifar100'>, string> = {
  mnist: 'a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)',
  'tiny-imagenet': 'the extracted tiny-imagenet-200 folder (wnids.txt, train/<wnid>/images, val/val_annotations.txt) or its parent',
  'image-folder': 'a folder with train/<class>/<images> and val/<class>/<images> (or test/)',
  'image-list': "a folder with the lists (default meta/train.txt and meta/test.txt, 'path label' per line) and the images under images/",
};

/** Fashion-MNIST has Debian's package as its home; every other dataset is the user's own copy. */
function defaultDataDir(name: DatasetName): string {
  if (name === 'fashion-mnist') return DEFAULT_FASHION_MNIST_DIR;
  const layout =
    name === 'cifar10' || name === 'cifar100'
      ? `the folder holding the extracted binary or Python version (${cifarFolders(name).join(' or ')})`
      : EXPECTED_LAYOUT[name];
  throw configError(`dataset.dir (--data) is required for ${name}: ${layout}`);
}

function resolveImageSettings(name: DatasetName, dataset: NonNullable<TrainConfig['dataset']>): ResolvedConfig['dataset']['images'] {
  if (name === 'fashion-mnist' || name === 'mnist' || name === 'cifar10' || name === 'cifar100') {
    const stray = (['imageSize', 'trainList', 'testList', 'imageRoot', 'cacheBudgetMB', 'decodeConcurrency'] as const).find((k) => dataset[k] !== undefined);
    if (stray) throw configError(`dataset.${stray} is an option of the image datasets, not of ${name}`);
    return null;
  }
  const text = (key: 'trainList' | 'testList' | 'imageRoot', fallback: string) => {
    const v = dataset[key] ?? fallback;
    if (typeof v !== 'string' || v === '') throw configError(`dataset.${key} must be a path, got ${describe(v)}`);
    return v;
  };
  return {
    imageSize: int('dataset.imageSize', dataset.imageSize ?? (name === 'tiny-imagenet' ? 64 : 256), 8, 4096),
    trainList: text('trainList', 'meta/train.txt'),
    testList: text('testList', 'meta/test.txt'),
    imageRoot: text('imageRoot', 'images'),
    cacheBudgetMB: int('dataset.cacheBudgetMB', dataset.cacheBudgetMB ?? Math.floor(totalmem() / 4 / 2 ** 20), 0, 2 ** 30),
    decodeConcurrency: int('dataset.decodeConcurrency', dataset.decodeConcurrency ?? availableParallelism(), 1, 256),
  };
}

function resolveValidation(dataset: NonNullable<TrainConfig['dataset']>): ResolvedConfig['dataset']['validation'] {
  const share = dataset.validation ?? 0;
  if (share === 0) {
    if (dataset.validationSeed !== undefined) throw configError('dataset.validationSeed needs dataset.validation (--val-split), the share to hold out');
    return null;
  }
  return {
    share: num('dataset.validation', share, 0, 0.9, true),
    seed: int('dataset.validationSeed', dataset.validationSeed ?? 0, 0, 2 ** 31 - 1),
  };
}

function resolveMethod(name: MethodName, input: Partial<MethodConfig>, optimizer: ResolvedConfig['optimizer']): ResolvedConfig['method'] {
  if (name === 'automix' || name === 'adautomix') {
    const alpha = num('method.alpha', input.alpha ?? LEARNED_DEFAULT_ALPHA[name], 0, 1000, true);
    return { name, alpha, learned: resolveLearnedMix(name, input, optimizer), modes: null };
  }
  if (name === 'vanilla') return { name, alpha: 1, learned: null, modes: null };
  const modes = resolveClassicModes(name, input);
  // A single method's α is its mode's; 'classic' has one per mode and none of its own.
  return { name, alpha: name === 'classic' ? 1 : modes[0]!.alpha, learned: null, modes };
}

/** A [min, max] pair with lower ≤ min ≤ max ≤ upper. */
function range(name: string, value: unknown, fallback: [number, number], lower: number, upper: number): [number, number] {
  const v = value ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && x > lower && x <= upper) || v[0] > v[1]) {
    throw configError(`${name} must be [min, max] with ${lower} < min ≤ max ≤ ${upper}, got ${describe(v)}`);
  }
  return [v[0], v[1]];
}

function resolveResizedCrop(input: unknown): ResolvedConfig['augment']['resizedCrop'] {
  if (input === undefined || input === null) return null;
  const o = section<NonNullable<NonNullable<TrainConfig['augment']>['resizedCrop']>>('augment.resizedCrop', input);
  checkKeys('augment.resizedCrop', o, ['size', 'scale', 'ratio', 'interpolation']);
  return {
    size: int('augment.resizedCrop.size', o.size, 1, 16384),
    scale: range('augment.resizedCrop.scale', o.scale, [0.08, 1], 0, 1),
    ratio: range('augment.resizedCrop.ratio', o.ratio, [3 / 4, 4 / 3], 0, 100),
    interpolation: oneOf('augment.resizedCrop.interpolation', o.interpolation ?? 'bicubic', ['bicubic', 'bilinear'] as const),
  };
}

function resolveRandAugment(input: unknown): ResolvedConfig['augment']['randAugment'] {
  if (input === undefined || input === null || input === false) return null;
  const o = section<Exclude<NonNullable<NonNullable<TrainConfig['augment']>['randAugment']>, boolean>>('augment.randAugment', input === true ? {} : input);
  checkKeys('augment.randAugment', o, ['ops', 'level', 'levelStd', 'totalLevel', 'fill']);
  const totalLevel = num('augment.randAugment.totalLevel', o.totalLevel ?? 10, 0, 1000, true);
  return {
    ops: int('augment.randAugment.ops', o.ops ?? 2, 0, 16),
    level: num('augment.randAugment.level', o.level ?? 7, 0, totalLevel),
    levelStd: num('augment.randAugment.levelStd', o.levelStd ?? 0.5, 0, 1000),
    totalLevel,
    fill: optionalNumbers('augment.randAugment.fill', o.fill, false),
  };
}

export function resolveConfig(input: TrainConfig = {}): ResolvedConfig {
  if (typeof input !== 'object' || input === null) throw configError('the config must be an object');
  checkKeys('', input, [
    'preset', 'dataset', 'model', 'method', 'optimizer', 'augment', 'epochs', 'batchSize', 'evalBatchSize',
    'seed', 'threads', 'device', 'speed', 'nanPolicy', 'checkpoint', 'log',
  ]);
  const c = mergeWithPreset(input);

  const dataset = section<NonNullable<TrainConfig['dataset']>>('dataset', c.dataset);
  checkKeys('dataset', dataset, [
    'name', 'dir', 'trainLimit', 'testLimit', 'validation', 'validationSeed', 'imageSize', 'trainList', 'testList', 'imageRoot', 'cacheBudgetMB', 'decodeConcurrency',
  ]);
  const methodInput = typeof c.method === 'string' ? { name: c.method } : section<MethodConfig>('method', c.method);
  const optimizer = section<NonNullable<TrainConfig['optimizer']>>('optimizer', c.optimizer);
  checkKeys('optimizer', optimizer, [
    'name', 'lr', 'minLr', 'momentum', 'weightDecay', 'nesterov', 'betas', 'eps', 'noDecayOnNormBias', 'lrStepping',
    'warmupEpochs', 'warmupRatio', 'gradClip', 'accumulate',
  ]);
  const log = section<NonNullable<TrainConfig['log']>>('log', c.log);
  checkKeys('log', log, ['everySteps', 'tensorboard']);
  const checkpoint = section<NonNullable<TrainConfig['checkpoint']>>('checkpoint', c.checkpoint);
  checkKeys('checkpoint', checkpoint, ['every', 'keep', 'best']);
  const augment = section<NonNullable<TrainConfig['augment']>>('augment', c.augment);
  checkKeys('augment', augment, ['cropPadding', 'resizedCrop', 'randAugment', 'evalResize', 'evalCrop', 'evalInterpolation', 'flip', 'mean', 'std']);

  const methodName = oneOf('method.name', methodInput.name ?? 'vanilla', METHODS);
  const learnedMethod = methodName === 'automix' || methodName === 'adautomix';
  const classicMethod = methodName === 'classic' || isClassicMethod(methodName);
  checkKeys('method', methodInput, learnedMethod ? LEARNED_METHOD_KEYS : classicMethod ? CLASSIC_METHOD_KEYS : ['name', 'alpha']);
  const optimizerName = oneOf('optimizer.name', optimizer.name ?? 'sgd', ['sgd', 'adamw'] as const);
  const adamw = optimizerName === 'adamw';
  const lr = num('optimizer.lr', optimizer.lr ?? (adamw ? 5e-4 : 0.1), 0, 100, true);
  const minLr = num('optimizer.minLr', optimizer.minLr ?? 0, 0, lr);
  const betas = optimizer.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
    throw configError(`optimizer.betas must be [beta1, beta2] with each in [0, 1), got ${describe(betas)}`);
  }
  const resolvedOptimizer: ResolvedConfig['optimizer'] = {
    name: optimizerName,
    lr,
    minLr,
    momentum: num('optimizer.momentum', optimizer.momentum ?? 0.9, 0, 1),
    weightDecay: num('optimizer.weightDecay', optimizer.weightDecay ?? (adamw ? 0.05 : 1e-4), 0, 1),
    nesterov: bool('optimizer.nesterov', optimizer.nesterov ?? false),
    betas: [betas[0]!, betas[1]!],
    eps: num('optimizer.eps', optimizer.eps ?? 1e-8, 0, 1, true),
    noDecayOnNormBias: bool('optimizer.noDecayOnNormBias', optimizer.noDecayOnNormBias ?? adamw),
    lrStepping: oneOf('optimizer.lrStepping', optimizer.lrStepping ?? 'epoch', ['epoch', 'iteration'] as const),
    warmupEpochs: num('optimizer.warmupEpochs', optimizer.warmupEpochs ?? 0, 0, 100000),
    warmupRatio: num('optimizer.warmupRatio', optimizer.warmupRatio ?? 1e-5, 0, 1),
    gradClip: num('optimizer.gradClip', optimizer.gradClip ?? 0, 0, 1e9),
    accumulate: int('optimizer.accumulate', optimizer.accumulate ?? 1, 1, 4096),
  };
  if (resolvedOptimizer.nesterov && !adamw && resolvedOptimizer.momentum === 0) {
    throw configError('optimizer.nesterov needs optimizer.momentum > 0');
  }
  if (c.device !== undefined && !isDevice(c.device)) {
    throw configError(`device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got ${describe(c.device)}`);
  }
  const mean = optionalNumbers('augment.mean', augment.mean, false);
  const std = optionalNumbers('augment.std', augment.std, true);
  if (mean && std && mean.length !== std.length) {
    throw configError(`augment.mean and augment.std need the same length, got ${mean.length} and ${std.length}`);
  }
  if (dataset.dir !== undefined && (typeof dataset.dir !== 'string' || dataset.dir === '')) {
    throw configError(`dataset.dir must be a folder path, got ${describe(dataset.dir)}`);
  }
  const datasetName = oneOf(
    'dataset.name',
    dataset.name ?? 'fashion-mnist',
    ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'tiny-imagenet', 'image-folder', 'image-list'] as const,
  );
  const limit = (name: string, v: unknown) => (v === undefined || v === null ? null : int(name, v, 1, 2 ** 31 - 1));

  return {
    preset: c.preset ?? null,
    dataset: {
      name: datasetName,
      dir: dataset.dir ?? defaultDataDir(datasetName),
      trainLimit: limit('dataset.trainLimit', dataset.trainLimit),
      testLimit: limit('dataset.testLimit', dataset.testLimit),
      validation: resolveValidation(dataset),
      images: resolveImageSettings(datasetName, dataset),
    },
    model: resolveModel(c.model),
    method: resolveMethod(methodName, methodInput, resolvedOptimizer),
    optimizer: resolvedOptimizer,
    augment: {
      cropPadding: int('augment.cropPadding', augment.cropPadding ?? 0, 0, 64),
      resizedCrop: resolveResizedCrop(augment.resizedCrop),
      randAugment: resolveRandAugment(augment.randAugment),
      evalResize: int('augment.evalResize', augment.evalResize ?? 0, 0, 16384),
      evalCrop: int('augment.evalCrop', augment.evalCrop ?? 0, 0, 16384),
      evalInterpolation: oneOf('augment.evalInterpolation', augment.evalInterpolation ?? 'bicubic', ['bicubic', 'bilinear'] as const),
      flip: bool('augment.flip', augment.flip ?? false),
      mean,
      std,
    },
    epochs: int('epochs', c.epochs ?? 1, 1, 100000),
    batchSize: int('batchSize', c.batchSize ?? 100, 1, 65536),
    evalBatchSize: int('evalBatchSize', c.evalBatchSize ?? 500, 1, 65536),
    seed: int('seed', c.seed ?? 0, 0, Number.MAX_SAFE_INTEGER),
    threads: int('threads', c.threads ?? availableParallelism(), 1, 1024),
    device: (c.device ?? 'auto') as ResolvedConfig['device'],
    speed: resolveSpeed(c.speed),
    nanPolicy: oneOf('nanPolicy', c.nanPolicy ?? 'error', ['error', 'skip-step'] as const),
    log: {
      everySteps: int('log.everySteps', log.everySteps ?? 50, 0, 1e9),
      tensorboard: bool('log.tensorboard', log.tensorboard ?? true),
    },
    checkpoint: {
      every: int('checkpoint.every', checkpoint.every ?? 1, 0, 100000),
      keep: int('checkpoint.keep', checkpoint.keep ?? 2, 1, 1000),
      best: bool('checkpoint.best', checkpoint.best ?? true),
    },
  };
}
