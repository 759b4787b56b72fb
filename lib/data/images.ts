/**
 * Image-file datasets (Tiny-ImageNet, class folders, image lists) decoded into memory: every image
 * at imageSize² × 3, normalised by default with the ImageNet statistics, as OpenMixup's configs
 * for these datasets do (ALGORITHMS.md §5.1).
 */
import { isAbsolute, join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { DatasetSplits, ImageDataset } from './dataset.js';
import { decodedBytes, DecodedOnDemand, decodeImages, type ImageFile } from './decode.js';
import { holdoutIndices, validationSource, type HoldoutSetting } from './holdout.js';
import { scanClassFolders, scanImageLists, scanTinyImageNet, type ImageSplits } from './image-folder.js';

export const IMAGENET_STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export type ImageDatasetName = 'tiny-imagenet' | 'image-folder' | 'image-list';

export interface ImageLoadOptions {
  trainLimit?: number;
  testLimit?: number;
  /** Hold this share of the training files out as the test split (before the limits and decoding). */
  validation?: HoldoutSetting | null;
  /** Decoding progress over both splits. */
  onProgress?: (done: number, total: number) => void;
}

function scan(name: ImageDatasetName, dir: string, s: NonNullable<ResolvedConfig['dataset']['images']>, noTestSplit: boolean): Promise<ImageSplits> {
  const under = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  if (name === 'tiny-imagenet') return scanTinyImageNet(dir);
  if (name === 'image-folder') return scanClassFolders(dir, noTestSplit);
  return scanImageLists(under(s.trainList), under(s.testList), under(s.imageRoot), noTestSplit);
}

export async function loadImageDataset(
  name: ImageDatasetName,
  dir: string,
  settings: NonNullable<ResolvedConfig['dataset']['images']>,
  options: ImageLoadOptions = {},
): Promise<DatasetSplits> {
  const splits = await scan(name, dir, settings, !!options.validation);
  let testSource = 'test';
  if (options.validation) {
    const { train, validation } = holdoutIndices(splits.train.map((f) => f.label), options.validation);
    splits.test = validation.map((i) => splits.train[i]!);
    splits.train = train.map((i) => splits.train[i]!);
    testSource = validationSource('train', options.validation);
  }
  // Limits apply before decoding, so a quick run does not decode the whole dataset.
  const train = splits.train.slice(0, options.trainLimit ?? splits.train.length);
  const test = splits.test.slice(0, options.testLimit ?? splits.test.length);
  const size = settings.imageSize;
  const total = train.length + test.length;
  const budget = settings.cacheBudgetMB * 2 ** 20;
  // In memory what fits the budget, test split first (it is read every epoch in full); the rest
  // is decoded batch by batch.
  const testInMemory = decodedBytes(test.length, size) <= budget;
  const trainInMemory = decodedBytes(total, size) <= budget;
  const decode = (files: ImageFile[], offset: number) =>
    decodeImages(files, {
      size,
      concurrency: settings.decodeConcurrency,
      budgetBytes: budget,
      onProgress: (done) => options.onProgress?.(offset + done, total),
    });
  const trainImages = trainInMemory ? await decode(train, 0) : null;
  const testImages = testInMemory ? await decode(test, train.length) : null;
  const dataset = (files: ImageFile[], images: Uint8Array | null, split: string): ImageDataset => ({
    images: images ?? new Uint8Array(0),
    ...(images === null && { lazy: new DecodedOnDemand(files, size, settings.decodeConcurrency) }),
    labels: Int32Array.from(files, (f) => f.label),
    count: files.length,
    height: size,
    width: size,
    channels: 3,
    numClasses: splits.classNames.length,
    source: `${name} ${split} (${splits.layout}) in ${dir}${images === null ? ', decoded per batch (above dataset.cacheBudgetMB)' : ''}`,
  });
  return {
    train: dataset(train, trainImages, 'train'),
    test: dataset(test, testImages, testSource),
    classNames: splits.classNames,
    stats: IMAGENET_STATS,
  };
}
