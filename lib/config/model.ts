/** Validation and defaults of the `model` section, in the user's terms. */
import { configError } from '../errors.js';
import { baseWidthProblem, MODEL_NAMES, modelInfo } from '../models/zoo.js';
import { bool, checkKeys, describe, int, num, oneOf, section } from './validate.js';
import type { ResolvedModel, TrainConfig } from './types.js';

export const MODEL_KEYS = ['arch', 'baseWidth', 'imageSize', 'dropPath', 'pretrained', 'skipClassifier'] as const;

export function resolveModel(input: unknown): ResolvedModel {
  const model = section<NonNullable<TrainConfig['model']>>('model', input);
  checkKeys('model', model, MODEL_KEYS);
  const arch = oneOf('model.arch', model.arch ?? 'resnet18_cifar', MODEL_NAMES);
  const info = modelInfo(arch)!;
  const baseWidth = int('model.baseWidth', model.baseWidth ?? info.baseWidth, 1, 4096);
  const widthProblem = baseWidthProblem(info, baseWidth);
  if (widthProblem) throw configError(`model.baseWidth: ${widthProblem}`);
  if (model.dropPath !== undefined && model.dropPath !== 0 && info.dropPath === 0) {
    throw configError(`model.dropPath: ${arch} has no stochastic depth (only Swin and ConvNeXt do)`);
  }
  if (model.pretrained !== undefined && (typeof model.pretrained !== 'string' || model.pretrained === '')) {
    throw configError(`model.pretrained must be the path of a .safetensors file, got ${describe(model.pretrained)}`);
  }
  if (model.skipClassifier !== undefined && model.pretrained === undefined) {
    throw configError('model.skipClassifier only applies with model.pretrained');
  }
  return {
    arch,
    baseWidth,
    imageSize: model.imageSize === undefined ? null : int('model.imageSize', model.imageSize, 4, 65536),
    dropPath: num('model.dropPath', model.dropPath ?? info.dropPath, 0, 0.99),
    pretrained: model.pretrained ?? null,
    skipClassifier: bool('model.skipClassifier', model.skipClassifier ?? false),
  };
}

/** The native side's model options for this model on images of `imageSize` with `channels` and `classes`. */
export function nativeModelOptions(m: ResolvedModel, channels: number, classes: number, imageSize: number) {
  return {
    arch: m.arch,
    inChannels: channels,
    numClasses: classes,
    baseWidth: m.baseWidth,
    imageSize: m.imageSize ?? imageSize,
    dropPath: m.dropPath,
  };
}
