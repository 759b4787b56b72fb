/**
 * The mixer of a trained run folder (`adautomix train --out DIR`, or one written with RunDir): the
 * run's method with its trained weights, to mix your own batches with the run's generator.
 */
import { join } from 'node:path';
import { learnedMixConfig } from '../config/learned-mix.js';
import type { DeviceRequest } from '../config/types.js';
import { upgradeResolvedConfig } from '../config/upgrade.js';
import { isPlainObject } from '../config/validate.js';
import type { DatasetSplits } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { configError } from '../errors.js';
import { checkPath } from '../io/attempt.js';
import { RunDir } from '../report/run-dir.js';
import type { TrainerInfo } from '../train/trainer.js';
import { createMixer, type CreateMixerOptions, type Mixer } from './mixer.js';

export interface RunMixerOptions {
  /**
   * The run's data, for a config.json that lacks the trainer's info (the images' shape, classes
   * and normalisation; `adautomix train` records it). Without either, the run's dataset is loaded.
   */
  data?: DatasetSplits;
  /** Default: the run's. */
  threads?: number;
  device?: DeviceRequest;
  seed?: number;
}

/** What the network of a run was built for. */
type RunInput = Pick<TrainerInfo, 'inputShape' | 'classes' | 'normalisation'>;

/** The trainer's info that `adautomix train` records in config.json (`resolved`), if it is there. */
function recordedInput(saved: unknown): RunInput | null {
  const info = isPlainObject(saved) && isPlainObject(saved.resolved) ? (saved.resolved as Partial<RunInput>) : null;
  return info?.inputShape && info.classes && info.normalisation ? (info as RunInput) : null;
}

function inputOf(data: DatasetSplits, mean: number[] | null, std: number[] | null): RunInput {
  const { train } = data;
  return {
    inputShape: [train.height, train.width, train.channels],
    classes: train.numClasses,
    normalisation: { mean: mean ?? data.stats.mean, std: std ?? data.stats.std },
  };
}

export async function mixerFromRun(dir: string, options: RunMixerOptions | null = {}): Promise<Mixer> {
  checkPath(dir, 'the run folder');
  const saved = await RunDir.readConfig(dir);
  const config = upgradeResolvedConfig(saved);
  const { method, model } = config;
  if (method.name === 'vanilla') throw configError(`the run in ${dir} used method 'vanilla', which does not mix`);
  const { data, threads, device, seed } = options ?? {};
  const input =
    recordedInput(saved) ?? inputOf(data ?? (await loadDataset({ ...config.dataset, testLimit: 1 })), config.augment.mean, config.augment.std);
  const [height, width, channels] = input.inputShape;
  return createMixer({
    method: (method.learned
      ? learnedMixConfig(method.name as 'automix' | 'adautomix', method.alpha, method.learned)
      : { name: 'classic', modes: method.modes ?? [] }) as CreateMixerOptions['method'],
    model: { arch: model.arch, baseWidth: model.baseWidth, imageSize: model.imageSize ?? undefined, dropPath: model.dropPath },
    imageSize: Math.min(height, width),
    channels,
    classes: input.classes,
    mean: input.normalisation.mean,
    std: input.normalisation.std,
    weights: join(dir, 'weights.safetensors'),
    threads: threads ?? config.threads,
    device: device ?? config.device,
    seed: seed ?? config.seed,
  });
}
