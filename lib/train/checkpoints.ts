/**
 * Checkpoints on disk. Each is a folder `step-<global step>` holding state.safetensors (every
 * network, the optimizer's state, BN buffers) and checkpoint.json (the resolved config, the
 * training progress, the random generator's state, the method's counters, and the SHA-256 of
 * the tensor file). A checkpoint is written into a temporary folder, both files are fsynced, and
 * the folder is renamed into place, so a crash leaves either the whole checkpoint or none.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { isPlainObject } from '../config/validate.js';
import { AdautomixError } from '../errors.js';
import { attempt, checkPath, makeDirectory, readBytes } from '../io/attempt.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { NativeCheckpoint } from '../native.js';
import type { EpochMetrics } from './events.js';

const FORMAT = 'adautomix-checkpoint';
const VERSION = 1;
const TENSORS = 'state.safetensors';
const META = 'checkpoint.json';
const PREFIX = 'step-';

/** Where a run stands, besides the native state: enough to continue the epoch loop exactly. */
export interface TrainingProgress {
  /** Epochs completed. */
  epoch: number;
  /** Steps done in the epoch under way (0 at an epoch boundary). */
  stepInEpoch: number;
  globalStep: number;
  /** The unfinished epoch's running sums. */
  epochLossSum: number;
  epochSkipped: number;
  epochSeconds: number;
  history: EpochMetrics[];
}

/** What the data looked like, so a resume on other data is refused. */
export interface DataFingerprint {
  trainSamples: number;
  testSamples: number;
  classes: number;
  /** [height, width, channels]. */
  shape: number[];
}

export interface TrainerCheckpoint {
  config: ResolvedConfig;
  data: DataFingerprint;
  progress: TrainingProgress;
  native: NativeCheckpoint;
}

interface CheckpointJson {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  torchVersion: string;
  config: ResolvedConfig;
  data: DataFingerprint;
  progress: TrainingProgress;
  counters: Record<string, number>;
  rng: string;
  tensors: { file: string; sha256: string; bytes: number };
}

function checkpointError(message: string, cause?: unknown): AdautomixError {
  return new AdautomixError(message, 'E_CHECKPOINT', undefined, cause === undefined ? undefined : { cause });
}

/** Writes and flushes a file to disk before returning. */
async function writeDurably(path: string, data: Buffer | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (a rename into it), where the platform allows it. */
async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on folders; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const stepOf = (name: string) => (name.startsWith(PREFIX) && /^\d+$/.test(name.slice(PREFIX.length)) ? Number(name.slice(PREFIX.length)) : null);

export class CheckpointStore {
  /** `dir` holds the step-N folders (a run's `checkpoints/`); `keep` is how many survive pruning. */
  constructor(
    readonly dir: string,
    readonly keep = 2,
  ) {
    checkPath(dir, 'a checkpoint folder');
  }

  /** Writes a checkpoint and prunes all but the newest `keep`; returns its folder. */
  async save(checkpoint: TrainerCheckpoint, torchVersion: string): Promise<string> {
    const step = checkpoint.progress.globalStep;
    const name = `${PREFIX}${String(step).padStart(9, '0')}`;
    const final = join(this.dir, name);
    const temporary = join(this.dir, `.tmp-${name}-${process.pid}`);
    await attempt(`create ${this.dir}`, () => makeDirectory(this.dir));
    const existing = await this.steps();
    if (!existing.some((s) => s.step === step)) {
      const tensors = encodeSafetensors(checkpoint.native.tensors, { format: FORMAT });
      const meta: CheckpointJson = {
        format: FORMAT,
        version: VERSION,
        createdAt: new Date().toISOString(),
        torchVersion,
        config: checkpoint.config,
        data: checkpoint.data,
        progress: checkpoint.progress,
        counters: checkpoint.native.counters,
        rng: Buffer.from(checkpoint.native.rng).toString('base64'),
        tensors: { file: TENSORS, sha256: sha256(tensors), bytes: tensors.length },
      };
      await attempt(`write the checkpoint ${final}`, async () => {
        await rm(temporary, { recursive: true, force: true });
        await mkdir(temporary);
        await writeDurably(join(temporary, TENSORS), tensors);
        await writeDurably(join(temporary, META), `${JSON.stringify(meta, null, 1)}\n`);
        await syncFolder(temporary);
        await rename(temporary, final);
        await syncFolder(this.dir);
      });
    }
    await this.prune();
    return final;
  }

  /** The newest checkpoint's folder, or null when there is none. */
  async latest(): Promise<string | null> {
    const steps = await this.steps();
    return steps.length > 0 ? steps[steps.length - 1]!.path : null;
  }

  /** Step folders, oldest first. */
  async steps(): Promise<{ step: number; path: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AdautomixError(`cannot list ${this.dir}: ${(error as Error).message}`, 'E_IO', undefined, { cause: error });
    }
    return names
      .map((name) => ({ step: stepOf(name), path: join(this.dir, name) }))
      .filter((s): s is { step: number; path: string } => s.step !== null)
      .sort((a, b) => a.step - b.step);
  }

  private async prune(): Promise<void> {
    const steps = await this.steps();
    for (const old of steps.slice(0, Math.max(0, steps.length - this.keep))) {
      await attempt(`remove the old checkpoint ${old.path}`, () => rm(old.path, { recursive: true, force: true }));
    }
    // Leftovers of writes that crashed before their rename.
    const names = await attempt(`list ${this.dir}`, () => readdir(this.dir));
    for (const name of names.filter((n) => n.startsWith('.tmp-') && !n.endsWith(`-${process.pid}`))) {
      await attempt(`remove ${name}`, () => rm(join(this.dir, name), { recursive: true, force: true }));
    }
  }
}

/** Reads one checkpoint folder completely and checks it, before anything is loaded from it. */
export async function readCheckpoint(path: string): Promise<TrainerCheckpoint & { torchVersion: string }> {
  const metaPath = join(checkPath(path, 'a checkpoint folder'), META);
  const text = await attempt(`read ${metaPath}`, () => readFile(metaPath, 'utf8'));
  let meta: CheckpointJson;
  try {
    meta = JSON.parse(text) as CheckpointJson;
  } catch (error) {
    throw checkpointError(`${metaPath} is not valid JSON (a damaged checkpoint): ${(error as Error).message}`, error);
  }
  if (meta?.format !== FORMAT) throw checkpointError(`${metaPath} is not an adautomix checkpoint`);
  if (meta.version !== VERSION) {
    throw checkpointError(`${metaPath} has checkpoint version ${meta.version}; this adautomix reads version ${VERSION}`);
  }
  for (const key of ['config', 'data', 'progress', 'counters', 'rng', 'tensors'] as const) {
    if (meta[key] === undefined || meta[key] === null) throw checkpointError(`${metaPath} lacks '${key}' (a damaged checkpoint)`);
  }
  const tensorPath = join(path, meta.tensors.file);
  const bytes = await readBytes(tensorPath);
  if (bytes.length !== meta.tensors.bytes || sha256(bytes) !== meta.tensors.sha256) {
    throw checkpointError(
      `${tensorPath} does not match the checksum in ${META} (${bytes.length} bytes, expected ${meta.tensors.bytes}): the checkpoint is damaged`,
    );
  }
  let tensors;
  try {
    tensors = decodeSafetensors(bytes, tensorPath);
  } catch (error) {
    throw checkpointError(`${tensorPath} cannot be read: ${(error as Error).message}`, error);
  }
  return {
    config: meta.config,
    data: meta.data,
    progress: meta.progress,
    native: { tensors, rng: new Uint8Array(Buffer.from(meta.rng, 'base64')), counters: meta.counters },
    torchVersion: meta.torchVersion,
  };
}

/**
 * The settings that may differ between a run and its resume: where and how fast it runs, how
 * it evaluates, and its checkpoint policy. Everything else must be equal for the resume to
 * continue the same run.
 */
const FREE_TO_CHANGE = new Set([
  'threads', 'device', 'speed', 'evalBatchSize', 'checkpoint', 'log', 'dataset.dir', 'preset', 'dataset.images.cacheBudgetMB', 'dataset.images.decodeConcurrency',
]);

/** The dotted paths where two configs differ (none for a resumable pair). */
export function configDifferences(saved: unknown, current: unknown, path = ''): string[] {
  if (FREE_TO_CHANGE.has(path)) return [];
  if (isPlainObject(saved) && isPlainObject(current)) {
    const keys = new Set([...Object.keys(saved), ...Object.keys(current)]);
    return [...keys].flatMap((k) => configDifferences(saved[k], current[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(saved) === JSON.stringify(current) ? [] : [path];
}

/** E_CHECKPOINT naming what differs when a checkpoint does not belong to this run's config and data. */
export function checkResumable(saved: TrainerCheckpoint, config: ResolvedConfig, data: DataFingerprint, source: string): void {
  if (!isPlainObject(saved) || !isPlainObject(saved.config) || !isPlainObject(saved.native)) {
    throw checkpointError(`${source} is not a checkpoint (trainer.checkpoint() or readCheckpoint() make one)`);
  }
  const differences = configDifferences(saved.config, config);
  if (differences.length > 0) {
    const shown = differences.slice(0, 5).map((d) => `${d} (checkpoint ${JSON.stringify(pick(saved.config, d))}, now ${JSON.stringify(pick(config, d))})`);
    throw checkpointError(
      `${source} was written with a different configuration: ${shown.join('; ')}${differences.length > 5 ? `; and ${differences.length - 5} more` : ''}`,
    );
  }
  const dataDifferences = configDifferences(saved.data, data);
  if (dataDifferences.length > 0) {
    throw checkpointError(
      `${source} was written for other data: ${dataDifferences.map((d) => `${d} ${JSON.stringify(pick(saved.data, d))} vs ${JSON.stringify(pick(data, d))} now`).join(', ')}`,
    );
  }
}

function pick(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);
}
