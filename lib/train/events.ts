import { describe } from '../config/validate.js';
import { configError } from '../errors.js';
import type { ReportedAccuracy } from '../eval/reported.js';
import type { BestRecord } from './best-weights.js';
import type { CheckpointStore } from './checkpoints.js';

/** What fit() reports while it runs and when it ends. */

export interface StepProgress {
  /** 1-based epoch. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Steps done since the start of training (all epochs). */
  globalStep: number;
  totalSteps: number;
  loss: number;
  lr: number;
  /** The mask generator's learning rate (null without one). */
  generatorLr: number | null;
  /** The EMA teacher's momentum (null without one). */
  emaMomentum: number | null;
  /** The method's named loss terms (mix_q, one_q, mix_k, cosine, generator, mask, ...). */
  terms: Record<string, number>;
  /** The label weight of the original images this step (the drawn λ, or the area a box left; null for vanilla). */
  lambda: number | null;
  /** The classic mode used this step (e.g. 'cutmix' under method 'classic'); null for the other methods. */
  mode: string | null;
  /** Training throughput over recent steps. */
  imgPerSec: number;
  /** Estimated seconds until fit() ends (training steps only). */
  etaSeconds: number;
  skipped: boolean;
}

export interface HeadMetrics {
  /** Percent. */
  top1: number;
  top5: number;
  /** Mean cross-entropy. */
  loss: number;
}

export interface EvalMetrics extends HeadMetrics {
  count: number;
  /** The head whose numbers top1/top5/loss repeat: 'head', or 'one_k' (the EMA network) for AutoMix/AdAutoMix. */
  head: string;
  /** Every test-time head (mix_k, one_k, mix_q, one_q for AutoMix/AdAutoMix). */
  heads: Record<string, HeadMetrics>;
}

export interface EpochMetrics extends EvalMetrics {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  trainLoss: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  imgPerSec: number;
  /** Wall time of the epoch, evaluation included. */
  seconds: number;
  skippedSteps: number;
}

export interface FitSummary {
  epochsCompleted: number;
  stepsCompleted: number;
  history: EpochMetrics[];
  /** Test top-1 as OpenMixup's summary reports it and as plain medians of the last 10 epochs (null before the first epoch). */
  reported: ReportedAccuracy | null;
  seconds: number;
  aborted: boolean;
  /** With fit({ bestWeights }): what the file holds now (null when no epoch has been written to it). */
  best: BestRecord | null;
}

export interface FitOptions {
  /** Aborting stops at the next step boundary; fit() then rejects with code E_ABORT. */
  signal?: AbortSignal;
  onProgress?: (progress: StepProgress) => void;
  onEpochEnd?: (metrics: EpochMetrics) => void | Promise<void>;
  /**
   * Write checkpoints here: every `config.checkpoint.every` epochs, after the last epoch, and
   * when the run is aborted (at the step boundary where it stopped).
   */
  checkpoints?: CheckpointStore;
  /** Called with each checkpoint's folder once it is on disk. */
  onCheckpoint?: (path: string) => void | Promise<void>;
  /**
   * After each epoch whose reported head's top-1 beats every earlier epoch's (a resumed run's
   * included), write every parameter and buffer here as safetensors (atomically), with the epoch,
   * the head, the split and the top-1 in its metadata (read them with readBestRecord). A file
   * already there counts as the best so far only where this run's history has that epoch and
   * top-1; otherwise the next epoch replaces it.
   */
  bestWeights?: string;
}

/** fit()'s options as given from plain JS: E_CONFIG naming a field of the wrong kind, before any step. */
export function checkFitOptions(options: unknown): FitOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw configError(`fit() takes { signal, onProgress, onEpochEnd, checkpoints, onCheckpoint, bestWeights }, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  const signal = o.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).aborted !== 'boolean')) {
    throw configError(`fit({ signal }) must be an AbortSignal, got ${describe(signal)}`);
  }
  for (const name of ['onProgress', 'onEpochEnd', 'onCheckpoint']) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw configError(`fit({ ${name} }) must be a function, got ${describe(o[name])}`);
  }
  if (o.bestWeights !== undefined && (typeof o.bestWeights !== 'string' || o.bestWeights === '')) {
    throw configError(`fit({ bestWeights }) must be a file path, got ${describe(o.bestWeights)}`);
  }
  const store = o.checkpoints;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof (store as CheckpointStore).save !== 'function')) {
    throw configError(`fit({ checkpoints }) must be a CheckpointStore, got ${describe(store)}`);
  }
  return o as FitOptions;
}
