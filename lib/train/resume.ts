/**
 * Continuing a run from its checkpoint with the run's own configuration. Only where and how fast
 * it runs may change (threads, device, speed options, the evaluation batch, the data folder, the
 * checkpoint policy); everything else comes from the checkpoint, so the continued run is the same run.
 */
import { join } from 'node:path';
import type { DeviceRequest, ResolvedConfig, SpeedConfig } from '../config/types.js';
import { resolveConfig } from '../config/resolve.js';
import { upgradeResolvedConfig } from '../config/upgrade.js';
import type { DatasetSplits } from '../data/dataset.js';
import { AdautomixError } from '../errors.js';
import { checkPath, exists } from '../io/attempt.js';
import { CheckpointStore, readCheckpoint } from './checkpoints.js';
import { createResolvedTrainer, type Trainer } from './trainer.js';

export interface ResumeOptions {
  threads?: number;
  device?: DeviceRequest;
  /** Speed options over the run's own ('fast': all on; fields left out keep the run's value). */
  speed?: SpeedConfig | 'fast';
  evalBatchSize?: number;
  /** The dataset's folder, when it moved since the run started. */
  dataDir?: string;
  /** Use these splits instead of loading the dataset the checkpoint's config names. */
  data?: DatasetSplits;
  checkpoint?: { every?: number; keep?: number; best?: boolean };
}


/**
 * The checkpoint folder `path` names: a checkpoint itself (it holds checkpoint.json), a run
 * folder (its checkpoints/ folder's newest), or a folder of checkpoints (its newest).
 */
export async function findCheckpoint(path: string): Promise<string> {
  checkPath(path, 'a run or checkpoint folder');
  if (await exists(join(path, 'checkpoint.json'))) return path;
  for (const dir of [join(path, 'checkpoints'), path]) {
    const latest = await new CheckpointStore(dir).latest();
    if (latest !== null) return latest;
  }
  throw new AdautomixError(
    `no checkpoint in ${path}: looked for ${join(path, 'checkpoint.json')}, ${join(path, 'checkpoints', 'step-*')} and ${join(path, 'step-*')}`,
    'E_CHECKPOINT',
  );
}

/** A trainer that continues the checkpointed run in `path`; its next fit() goes on where it stopped. */
export async function resumeTrainer(path: string, options: ResumeOptions | null = {}): Promise<{ trainer: Trainer; checkpoint: string }> {
  options ??= {};
  const folder = await findCheckpoint(path);
  const saved = await readCheckpoint(folder);
  // A checkpoint of an earlier version gains the defaults of settings added since.
  const base = upgradeResolvedConfig(saved.config);
  saved.config = base;
  // The overrides go through the same validation as a fresh config's fields.
  const checked = resolveConfig({
    threads: options.threads ?? base.threads,
    device: options.device ?? base.device,
    speed: options.speed === undefined ? base.speed : options.speed === 'fast' ? 'fast' : { ...base.speed, ...options.speed },
    evalBatchSize: options.evalBatchSize ?? base.evalBatchSize,
    checkpoint: { ...base.checkpoint, ...options.checkpoint },
    dataset: { name: base.dataset.name, dir: options.dataDir ?? base.dataset.dir },
  });
  const config: ResolvedConfig = {
    ...base,
    threads: checked.threads,
    device: checked.device,
    speed: checked.speed,
    evalBatchSize: checked.evalBatchSize,
    checkpoint: checked.checkpoint,
    dataset: { ...base.dataset, dir: checked.dataset.dir },
  };
  const trainer = await createResolvedTrainer(config, { data: options.data, skipPretrained: true });
  try {
    await trainer.restore(saved, folder);
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
  return { trainer, checkpoint: folder };
}
