/**
 * Runs of one setting that differ only in their seed (or in how they ran: threads, device, the
 * speed options but the precision, checkpoints, logs, the data's folder), gathered so a report can
 * give each setting's mean and spread across seeds beside the published number.
 */
import type { ResolvedConfig } from '../config/types.js';

/** What a run trains and evaluates, without its seed and without what only changes how it ran. */
export function settingKey(config: ResolvedConfig): string {
  const { seed: _seed, threads: _threads, device: _device, speed, checkpoint: _checkpoint, log: _log, evalBatchSize: _eval, ...what } = config;
  const { dir: _dir, images, ...dataset } = config.dataset;
  const stored = images && { imageSize: images.imageSize, trainList: images.trainList, testList: images.testList, imageRoot: images.imageRoot };
  return JSON.stringify({ ...what, dataset: { ...dataset, images: stored }, precision: speed.precision });
}

export interface SeedGroup<T> {
  members: T[];
  seeds: number[];
}

/** The groups of two or more runs with the same setting, in the order their first run comes. */
export function seedGroups<T extends { config: ResolvedConfig }>(runs: T[]): SeedGroup<T>[] {
  const byKey = new Map<string, T[]>();
  for (const run of runs) {
    const key = settingKey(run.config);
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  return [...byKey.values()].filter((m) => m.length >= 2).map((members) => ({ members, seeds: members.map((m) => m.config.seed) }));
}

/** Mean and sample standard deviation (n − 1) of the finite values; null without two of them. */
export function meanAndSd(values: (number | null | undefined)[]): { mean: number; sd: number; n: number } | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length < 2) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, sd, n: v.length };
}
