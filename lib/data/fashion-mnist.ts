/**
 * Fashion-MNIST and MNIST from a directory of IDX files (gzipped or not); Fashion-MNIST by default
 * from the folder Debian's `dataset-fashion-mnist` package installs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AdautomixError } from '../errors.js';
import type { DatasetSplits, ImageDataset } from './dataset.js';
import { readIdxFile } from './idx.js';

export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const FILES =
  'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)';

interface IdxSet {
  name: 'fashion-mnist' | 'mnist';
  label: string;
  howToGet: string;
}

const FASHION: IdxSet = {
  name: 'fashion-mnist',
  label: 'Fashion-MNIST',
  howToGet: `Install it with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu), or point dataset.dir at a folder holding ${FILES}.`,
};
const MNIST: IdxSet = { name: 'mnist', label: 'MNIST', howToGet: `Point dataset.dir at a folder holding ${FILES}.` };

function locate(dir: string, base: string, set: IdxSet): string {
  const plain = join(dir, base);
  const gz = `${plain}.gz`;
  if (existsSync(plain)) return plain;
  if (existsSync(gz)) return gz;
  throw new AdautomixError(`${set.label} file ${gz} (or ${base}) is missing in ${dir}. ${set.howToGet}`, 'E_DATA');
}

async function loadSplit(dir: string, prefix: 'train' | 't10k', set: IdxSet): Promise<ImageDataset> {
  const HOW_TO_GET = set.howToGet;
  const imagePath = locate(dir, `${prefix}-images-idx3-ubyte`, set);
  const labelPath = locate(dir, `${prefix}-labels-idx1-ubyte`, set);
  const [images, labels] = await Promise.all([readIdxFile(imagePath, HOW_TO_GET), readIdxFile(labelPath, HOW_TO_GET)]);
  if (images.dims.length !== 3) {
    throw new AdautomixError(`${imagePath} has rank ${images.dims.length}; image files have rank 3. ${HOW_TO_GET}`, 'E_DATA');
  }
  if (labels.dims.length !== 1) {
    throw new AdautomixError(`${labelPath} has rank ${labels.dims.length}; label files have rank 1. ${HOW_TO_GET}`, 'E_DATA');
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new AdautomixError(
      `${imagePath} holds ${count} images but ${labelPath} holds ${labels.dims[0]} labels. ${HOW_TO_GET}`,
      'E_DATA',
    );
  }
  const labelArray = Int32Array.from(labels.data);
  const badLabel = labelArray.findIndex((l) => l > 9);
  if (badLabel >= 0) {
    throw new AdautomixError(`${labelPath}: label ${labelArray[badLabel]} at index ${badLabel} is not a class 0..9. ${HOW_TO_GET}`, 'E_DATA');
  }
  return {
    images: images.data,
    labels: labelArray,
    count,
    height,
    width,
    channels: 1,
    numClasses: 10,
    source: `${set.name}:${prefix === 'train' ? 'train' : 'test'} (${dir})`,
  };
}

export async function loadFashionMnist(dir: string = DEFAULT_FASHION_MNIST_DIR): Promise<DatasetSplits> {
  const [train, test] = await Promise.all([loadSplit(dir, 'train', FASHION), loadSplit(dir, 't10k', FASHION)]);
  // Mean and std of the 60k training images, in [0,1] pixel units.
  return { train, test, classNames: FASHION_MNIST_CLASSES, stats: { mean: [0.286], std: [0.353] } };
}

/** MNIST (the same IDX layout) from the user's folder, with its usual statistics. */
export async function loadMnist(dir: string): Promise<DatasetSplits> {
  const [train, test] = await Promise.all([loadSplit(dir, 'train', MNIST), loadSplit(dir, 't10k', MNIST)]);
  return { train, test, classNames: Array.from({ length: 10 }, (_, k) => String(k)), stats: { mean: [0.1307], std: [0.3081] } };
}
