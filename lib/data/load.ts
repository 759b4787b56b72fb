/** Loads the dataset a resolved config names, applying its sample limits. */
import type { ResolvedConfig } from '../config/types.js';
import { takeFirst, type DatasetSplits } from './dataset.js';
import { loadCifar } from './cifar.js';
import { loadFashionMnist } from './fashion-mnist.js';

export async function loadDataset(config: ResolvedConfig['dataset']): Promise<DatasetSplits> {
  const splits = config.name === 'fashion-mnist' ? await loadFashionMnist(config.dir) : await loadCifar(config.name, config.dir);
  return {
    ...splits,
    train: takeFirst(splits.train, config.trainLimit ?? undefined),
    test: takeFirst(splits.test, config.testLimit ?? undefined),
  };
}
