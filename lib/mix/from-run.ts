/**
 * The mixer of a trained run folder (`adautomix train --out DIR`, or one written with RunDir): the
 * run's method with its trained weights, to mix your own batches with the run's generator.
 */
import { learnedMixConfig } from '../config/learned-mix.js';
import type { DeviceRequest } from '../config/types.js';
import type { DatasetSplits } from '../data/dataset.js';
import { configError } from '../errors.js';
import { readRunConfig, runInput } from '../report/run-input.js';
import { runWeightsFile, type RunWeights } from '../train/best-weights.js';
import { createMixer, type CreateMixerOptions, type Mixer } from './mixer.js';

export interface RunMixerOptions {
  /**
   * The run's data, for a config.json that lacks the trainer's info (the images' shape, classes
   * and normalisation; `adautomix train` records it). Without either, the run's dataset is loaded.
   */
  data?: DatasetSplits;
  /** The run's last weights (weights.safetensors, default) or its best epoch's (best.safetensors). */
  weights?: RunWeights;
  /** Default: the run's. */
  threads?: number;
  device?: DeviceRequest;
  seed?: number;
}

export async function mixerFromRun(dir: string, options: RunMixerOptions | null = {}): Promise<Mixer> {
  const { data, threads, device, seed, weights } = options ?? {};
  const { saved, config } = await readRunConfig(dir);
  const { method, model } = config;
  if (method.name === 'vanilla') throw configError(`the run in ${dir} used method 'vanilla', which does not mix`);
  const file = await runWeightsFile(dir, weights);
  const input = await runInput(saved, config, data);
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
    weights: file.path,
    threads: threads ?? config.threads,
    device: device ?? config.device,
    seed: seed ?? config.seed,
  });
}
