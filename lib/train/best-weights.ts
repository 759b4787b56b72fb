/**
 * The best epoch's weights (fit({ bestWeights }); a run folder's best.safetensors): after each
 * epoch whose reported head (one_k for AutoMix/AdAutoMix) reaches a higher top-1 on the evaluated
 * split than every earlier epoch, the whole state is written there, and the file's safetensors
 * metadata says which epoch it is. With a validation split (--val-split) this is model selection
 * that never looks at the test split.
 */
import { join } from 'node:path';
import { describe } from '../config/validate.js';
import { AdautomixError, configError } from '../errors.js';
import { checkPath, exists } from '../io/attempt.js';
import { readSafetensorsMetadata } from '../io/safetensors.js';
import type { EpochMetrics } from './events.js';

/** What a best-weights file says of itself. */
export interface BestRecord {
  /** 1-based epoch whose end the weights are from. */
  epoch: number;
  globalStep: number;
  /** The head whose top-1 chose the epoch. */
  head: string;
  /** The split it was evaluated on: the run's validation split, or the test split. */
  split: 'validation' | 'test';
  /** Percent. */
  top1: number;
}

/** The metadata key that marks a best-weights file; the record is its JSON value. */
const KEY = 'adautomix.best';

export function bestMetadata(record: BestRecord): Record<string, string> {
  return { [KEY]: JSON.stringify(record) };
}

/** The record of a best-weights file, or null when the file does not exist. E_DATA for a file that is no best-weights file. */
export async function readBestRecord(path: string): Promise<BestRecord | null> {
  checkPath(path);
  if (!(await exists(path))) return null;
  const text = (await readSafetensorsMetadata(path))[KEY];
  let record: Partial<BestRecord> | null = null;
  try {
    record = text === undefined ? null : (JSON.parse(text) as Partial<BestRecord>);
  } catch {
    // reported below as a file without a record
  }
  if (!record || !Number.isInteger(record.epoch) || typeof record.top1 !== 'number' || typeof record.head !== 'string') {
    throw new AdautomixError(`${path} holds weights but no best-epoch record (it was not written as a run's best.safetensors)`, 'E_DATA');
  }
  return record as BestRecord;
}

/**
 * The top-1 a new epoch must beat. A file left by this run counts only where the run's history
 * (a resumed run's included) shows that epoch with that top-1: a file written after the
 * checkpoint the run resumed from, or by another run, is replaced by the next epoch's weights.
 */
export function bestToBeat(existing: BestRecord | null, history: readonly EpochMetrics[]): number {
  if (existing === null) return -Infinity;
  const same = history[existing.epoch - 1];
  return same && same.head === existing.head && same.top1 === existing.top1 ? existing.top1 : -Infinity;
}

/** Writes the weights after each epoch that beats the best so far. */
export class BestWeights {
  private constructor(
    readonly path: string,
    private readonly split: BestRecord['split'],
    private best: number,
    private lastWritten: BestRecord | null,
  ) {}

  static async open(path: string, split: BestRecord['split'], history: readonly EpochMetrics[]): Promise<BestWeights> {
    // An unreadable or foreign file is replaced like a stale one, not an error that stops training.
    const existing = await readBestRecord(path).catch(() => null);
    const best = bestToBeat(existing, history);
    return new BestWeights(path, split, best, best > -Infinity ? existing : null);
  }

  /** The record of the file as it stands (null before the first write of a fresh run). */
  get record(): BestRecord | null {
    return this.lastWritten;
  }

  /** After an epoch: writes the weights (with `save`) when its top-1 beats the best so far. */
  async offer(metrics: EpochMetrics, globalStep: number, save: (path: string, metadata: Record<string, string>) => Promise<void>): Promise<boolean> {
    if (!(metrics.top1 > this.best)) return false;
    const record: BestRecord = { epoch: metrics.epoch, globalStep, head: metrics.head, split: this.split, top1: metrics.top1 };
    await save(this.path, bestMetadata(record));
    this.best = metrics.top1;
    this.lastWritten = record;
    return true;
  }
}

/** Which of a run folder's weights: 'last' (weights.safetensors, default) or 'best' (best.safetensors). */
export type RunWeights = 'last' | 'best';

/**
 * The file of a run folder's `which` weights, and for 'best' its record. E_CONFIG for another
 * value; E_IO when the run has no best.safetensors.
 */
export async function runWeightsFile(dir: string, which: unknown = 'last'): Promise<{ path: string; best: BestRecord | null }> {
  if (which !== 'last' && which !== 'best') throw configError(`weights must be 'last' or 'best', got ${describe(which)}`);
  if (which === 'last') return { path: join(dir, 'weights.safetensors'), best: null };
  const path = join(dir, 'best.safetensors');
  const best = await readBestRecord(path);
  if (best === null) {
    throw new AdautomixError(
      `${dir} has no best.safetensors: the run was trained with --no-best (checkpoint.best false), by a version before best weights were kept, or has finished no epoch yet; use its last weights`,
      'E_IO',
    );
  }
  return { path, best };
}
