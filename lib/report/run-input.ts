/**
 * What the network of a trained run folder was built for (the images' shape, the classes, their
 * names, the normalisation), as the tools that rebuild a run's network without training need it:
 * mixerFromRun and classifierFromRun.
 */
import { upgradeResolvedConfig } from '../config/upgrade.js';
import type { ResolvedConfig } from '../config/types.js';
import { isPlainObject } from '../config/validate.js';
import type { DatasetSplits } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { checkPath } from '../io/attempt.js';
import type { TrainerInfo } from '../train/trainer.js';
import { RunDir } from './run-dir.js';

export type RunInput = Pick<TrainerInfo, 'inputShape' | 'classes' | 'normalisation' | 'classNames'>;

/** The trainer's info that `adautomix train` records in config.json (`resolved`), if it is there. */
function recordedInput(saved: unknown): RunInput | null {
  const info = isPlainObject(saved) && isPlainObject(saved.resolved) ? (saved.resolved as Partial<RunInput>) : null;
  if (!info?.inputShape || !info.classes || !info.normalisation) return null;
  // Runs recorded before classNames was: no names.
  return { inputShape: info.inputShape, classes: info.classes, normalisation: info.normalisation, classNames: info.classNames ?? null };
}

function inputOf(data: DatasetSplits, config: ResolvedConfig): RunInput {
  const { train } = data;
  return {
    inputShape: [train.height, train.width, train.channels],
    classes: train.numClasses,
    normalisation: { mean: config.augment.mean ?? data.stats.mean, std: config.augment.std ?? data.stats.std },
    classNames: data.classNames ?? null,
  };
}

/** A run folder's config.json as saved, and as a resolved config of the current shape. */
export async function readRunConfig(dir: string): Promise<{ saved: unknown; config: ResolvedConfig }> {
  checkPath(dir, 'the run folder');
  const saved = await RunDir.readConfig(dir);
  return { saved, config: upgradeResolvedConfig(saved) };
}

/**
 * A run's input: from its config.json's `resolved`; for a config.json without it, from `data`
 * (the run's splits), or else by loading the run's dataset (one test image; the whole train split
 * for its statistics).
 */
export async function runInput(saved: unknown, config: ResolvedConfig, data?: DatasetSplits): Promise<RunInput> {
  return recordedInput(saved) ?? inputOf(data ?? (await loadDataset({ ...config.dataset, testLimit: 1 })), config);
}
