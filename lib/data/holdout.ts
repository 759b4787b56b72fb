/**
 * A validation split held out of the training split (`dataset.validation`): a seeded, stratified
 * share of every class, evaluated in place of the test split, so settings can be chosen without
 * looking at the test images. Its own seed (not the run's) keeps the split fixed across the runs
 * of a seed sweep.
 */
import { describe, int, num } from '../config/validate.js';
import { checkSplits } from './check-splits.js';
import { AdautomixError } from '../errors.js';
import { seededRandom } from './sampler.js';
import type { DatasetSplits, ImageDataset } from './dataset.js';

export interface HoldoutSetting {
  /** Share of each class held out, in (0, 0.9]. */
  share: number;
  seed: number;
}

/** The sampler's epoch streams are 1, 2, ...; the split draws from a stream of its own. */
const HOLDOUT_STREAM = 0x7fffffff;

/**
 * Indices (ascending) of the samples kept for training and of those held out: from each class,
 * round(share × its count) samples chosen uniformly at random, but never its last one, so every
 * class keeps a training image.
 */
export function holdoutIndices(labels: ArrayLike<number>, setting: HoldoutSetting): { train: number[]; validation: number[] } {
  const ok = (Array.isArray(labels) || labels instanceof Int32Array) && Array.prototype.every.call(labels, (l: unknown) => Number.isInteger(l) && (l as number) >= 0);
  if (!ok) throw new AdautomixError(`labels must be an array or Int32Array of class labels (integers ≥ 0), got ${describe(labels)}`, 'E_DATA');
  num('validation share', (setting as Partial<HoldoutSetting> | null)?.share, 0, 0.9, true);
  int('validation seed', setting.seed, 0, 2 ** 31 - 1);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]!);
    if (members) members.push(i);
    else byClass.set(labels[i]!, [i]);
  }
  const random = seededRandom(setting.seed, HOLDOUT_STREAM);
  const heldOut = new Uint8Array(labels.length);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    const take = Math.min(Math.round(setting.share * members.length), members.length - 1);
    // A partial Fisher–Yates: the first `take` places get a uniform random subset.
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(random() * (members.length - i));
      [members[i], members[j]] = [members[j]!, members[i]!];
      heldOut[members[i]!] = 1;
    }
  }
  const train: number[] = [];
  const validation: number[] = [];
  heldOut.forEach((h, i) => (h ? validation : train).push(i));
  if (validation.length === 0) {
    throw new AdautomixError(
      `dataset.validation ${setting.share} holds out no image of the ${labels.length} training images (each class keeps at least one): use a larger share`,
      'E_DATA',
    );
  }
  return { train, validation };
}

/** The samples `indices` of an in-memory dataset, copied. */
function gather(dataset: ImageDataset, indices: readonly number[], source: string): ImageDataset {
  const pixels = dataset.height * dataset.width * dataset.channels;
  const images = new Uint8Array(indices.length * pixels);
  indices.forEach((from, to) => images.set(dataset.images.subarray(from * pixels, (from + 1) * pixels), to * pixels));
  return { ...dataset, images, labels: Int32Array.from(indices, (i) => dataset.labels[i]!), count: indices.length, source };
}

/** Describes the held-out split in a dataset's `source`. */
export function validationSource(trainSource: string, setting: HoldoutSetting): string {
  return `${trainSource}: validation split (${+(setting.share * 100).toFixed(2)}% of each class held out, seed ${setting.seed})`;
}

/**
 * In-memory splits with the validation share of the training split in place of the test split;
 * the normalisation statistics stay the dataset's. (Image-file datasets are split before
 * decoding, by their file lists.)
 */
export function holdOutSplits(splits: DatasetSplits, setting: HoldoutSetting): DatasetSplits {
  checkSplits(splits);
  if (splits.train.lazy) throw new AdautomixError('holdOutSplits needs the training images in memory (this train split is read on demand)', 'E_DATA');
  const { train, validation } = holdoutIndices(splits.train.labels, setting);
  return {
    ...splits,
    train: gather(splits.train, train, `${splits.train.source} without the validation split`),
    test: gather(splits.train, validation, validationSource(splits.train.source, setting)),
  };
}
