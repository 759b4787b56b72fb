/** Loads the dataset a resolved config names, holding out its validation split, then applying its sample limits. */
import type { ResolvedConfig } from '../config/types.js';
import { takeFirst, type DatasetSplits } from './dataset.js';
import { loadCifar } from './cifar.js';
import { loadFashionMnist, loadMnist } from './fashion-mnist.js';
import { holdOutSplits } from './holdout.js';
import { loadImageDataset } from './images.js';

export interface LoadOptions {
  /** Image datasets: decoding progress (files done, total). */
  onProgress?: (done: number, total: number) => void;
}

export async function loadDataset(config: ResolvedConfig['dataset'], options: LoadOptions = {}): Promise<DatasetSplits> {
  const trainLimit = config.trainLimit ?? undefined;
  const testLimit = config.testLimit ?? undefined;
  if (config.name === 'tiny-imagenet' || config.name === 'image-folder' || config.name === 'image-list') {
    return loadImageDataset(config.name, config.dir, config.images!, { trainLimit, testLimit, validation: config.validation, onProgress: options.onProgress });
  }
  const original =
    config.name === 'fashion-mnist' ? await loadFashionMnist(config.dir) : config.name === 'mnist' ? await loadMnist(config.dir) : await loadCifar(config.name, config.dir);
  const splits = config.validation ? holdOutSplits(original, config.validation) : original;
  return { ...splits, train: takeFirst(splits.train, trainLimit), test: takeFirst(splits.test, testLimit) };
}
