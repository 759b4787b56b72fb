/**
 * Checks the in-memory data a user hands over (`createTrainer(config, { data })`, `resumeTrainer`,
 * `trainer.evaluate(dataset)`) before anything reads it, so a wrong field is an E_DATA error that
 * names it rather than a TypeError from deep inside the batcher. The loaders' datasets are not
 * re-checked (Fashion-MNIST's, whole and limited, pass).
 */
import { describe, isPlainObject } from '../config/validate.js';
import { AdautomixError } from '../errors.js';
import type { DatasetSplits, ImageDataset } from './dataset.js';

function dataError(message: string): AdautomixError {
  return new AdautomixError(message, 'E_DATA');
}

function positiveInteger(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw dataError(`${name} must be an integer ≥ ${min}, got ${describe(value)}`);
  }
  return value;
}

export function checkImageDataset(dataset: unknown, name: string): ImageDataset {
  if (!isPlainObject(dataset)) {
    throw dataError(`${name} must be an ImageDataset { images, labels, count, height, width, channels, numClasses }, got ${describe(dataset)}`);
  }
  const d = dataset as Partial<ImageDataset>;
  const count = positiveInteger(`${name}.count`, d.count);
  const pixels =
    positiveInteger(`${name}.height`, d.height) * positiveInteger(`${name}.width`, d.width) * positiveInteger(`${name}.channels`, d.channels);
  positiveInteger(`${name}.numClasses`, d.numClasses, 2);
  if (!(d.labels instanceof Int32Array)) throw dataError(`${name}.labels must be an Int32Array, got ${describe(d.labels)}`);
  if (d.labels.length !== count) throw dataError(`${name}.labels holds ${d.labels.length} labels for ${count} images`);
  if (d.lazy !== undefined) {
    if (typeof d.lazy?.read !== 'function') throw dataError(`${name}.lazy must have a read(indices, into) method`);
  } else {
    if (!(d.images instanceof Uint8Array)) throw dataError(`${name}.images must be a Uint8Array (NHWC bytes), got ${describe(d.images)}`);
    if (d.images.length !== count * pixels) {
      throw dataError(`${name}.images holds ${d.images.length} bytes; ${count} images of ${d.height}x${d.width}x${d.channels} need ${count * pixels}`);
    }
  }
  return d as ImageDataset;
}

export function checkSplits(data: unknown): DatasetSplits {
  if (!isPlainObject(data)) throw dataError(`data must be { train, test, stats }, got ${describe(data)}`);
  const d = data as Partial<DatasetSplits>;
  checkImageDataset(d.train, 'data.train');
  checkImageDataset(d.test, 'data.test');
  const stats = d.stats;
  if (!isPlainObject(stats)) throw dataError(`data.stats must be { mean, std } per channel, got ${describe(stats)}`);
  for (const key of ['mean', 'std'] as const) {
    const values: unknown = stats[key];
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw dataError(`data.stats.${key} must be an array of numbers, one per channel, got ${describe(values)}`);
    }
  }
  const names: unknown = d.classNames;
  if (names !== undefined && (!Array.isArray(names) || names.length !== d.train!.numClasses || !names.every((n) => typeof n === 'string'))) {
    throw dataError(`data.classNames must be ${d.train!.numClasses} strings, one per class, got ${describe(names)}`);
  }
  return d as DatasetSplits;
}
