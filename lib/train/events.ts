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
  /** The mixing ratio drawn for this step (null for vanilla). */
  lambda: number | null;
  /** Training throughput over recent steps. */
  imgPerSec: number;
  /** Estimated seconds until fit() ends (training steps only). */
  etaSeconds: number;
  skipped: boolean;
}

export interface EvalMetrics {
  /** Percent. */
  top1: number;
  top5: number;
  /** Mean cross-entropy. */
  loss: number;
  count: number;
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
  seconds: number;
  aborted: boolean;
}

export interface FitOptions {
  /** Aborting stops at the next step boundary; fit() then rejects with code E_ABORT. */
  signal?: AbortSignal;
  onProgress?: (progress: StepProgress) => void;
  onEpochEnd?: (metrics: EpochMetrics) => void | Promise<void>;
}
