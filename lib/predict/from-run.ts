/**
 * The classifier of a trained run folder (`adautomix train --out DIR`, or one written with
 * RunDir): the run's network with its weights.safetensors (or best.safetensors), built for what config.json records,
 * without the run's dataset.
 */
import { resolveConfig } from '../config/resolve.js';
import type { DeviceRequest } from '../config/types.js';
import type { DatasetSplits, ImageDataset } from '../data/dataset.js';
import { AdautomixError } from '../errors.js';
import { readRunConfig, type RunInput, runInput } from '../report/run-input.js';
import { runWeightsFile, type RunWeights } from '../train/best-weights.js';
import { createResolvedTrainer } from '../train/trainer.js';
import { Classifier, type ClassifierOptions } from './classifier.js';

export interface RunClassifierOptions extends ClassifierOptions {
  /**
   * The run's data, for a config.json that lacks the trainer's info (the images' shape, classes,
   * their names and the normalisation; `adautomix train` records it). Without either, the run's
   * dataset is loaded.
   */
  data?: DatasetSplits;
  /** The run's last weights (weights.safetensors, default) or its best epoch's (best.safetensors). */
  weights?: RunWeights;
  /** Default: the run's. */
  threads?: number;
  device?: DeviceRequest;
}

/**
 * Splits that only describe the input, for a trainer that never trains: nothing is stored, and
 * reading a sample is an internal error (the classifier never reads one).
 */
function describedSplits(input: RunInput, trainCount: number): DatasetSplits {
  const [height, width, channels] = input.inputShape;
  const lazy = {
    read: () => Promise.reject(new AdautomixError('a classifier has no data of its own to read', 'E_NATIVE')),
  };
  const split = (count: number): ImageDataset => ({
    images: new Uint8Array(0),
    labels: new Int32Array(count),
    count,
    height,
    width,
    channels,
    numClasses: input.classes,
    source: 'the run folder',
    lazy,
  });
  return { train: split(trainCount), test: split(1), stats: input.normalisation, ...(input.classNames && { classNames: input.classNames }) };
}

export async function classifierFromRun(dir: string, options: RunClassifierOptions | null = {}): Promise<Classifier> {
  const { data, threads, device, weights, ...classifier } = options ?? {};
  const { saved, config } = await readRunConfig(dir);
  const file = await runWeightsFile(dir, weights);
  const input = await runInput(saved, config, data);
  // The overrides go through the same validation as a fresh config's fields.
  const checked = resolveConfig({ threads: threads ?? config.threads, device: device ?? config.device });
  const trainer = await createResolvedTrainer(
    // The network as trained; the pretrained file it started from does not matter (the weights
    // replace it) and need not exist here.
    { ...config, threads: checked.threads, device: checked.device },
    { data: describedSplits(input, config.batchSize), skipPretrained: true },
  );
  try {
    await trainer.loadWeights(file.path);
    return new Classifier(trainer, classifier, true);
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
}
