/**
 * A run's logs: metrics.jsonl gets one `{"kind": "epoch", ...}` line per finished epoch and one
 * `{"kind": "step", ...}` line every `everySteps` steps; the same numbers go to TensorBoard event
 * files in `tensorboard/` (scalars: every loss term, lr, EMA momentum, λ, img/s; per epoch every
 * head's test top-1/top-5/loss and the training loss), keyed by the global step.
 */
import { join } from 'node:path';
import type { EpochMetrics, StepProgress } from '../train/events.js';
import type { RunDir } from './run-dir.js';
import { TensorBoardWriter } from './tensorboard.js';

export interface RunLogOptions {
  /** A step line (and TensorBoard point) every this many steps; 0: epochs only. */
  everySteps: number;
  tensorboard: boolean;
}

export class RunLogger {
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  private constructor(
    private readonly run: RunDir,
    private readonly options: RunLogOptions,
    private readonly board: TensorBoardWriter | null,
  ) {}

  static async open(run: RunDir, options: RunLogOptions): Promise<RunLogger> {
    const board = options.tensorboard ? await TensorBoardWriter.create(join(run.dir, 'tensorboard')) : null;
    return new RunLogger(run, options, board);
  }

  /** For fit()'s onProgress: writes in the background, in order; errors surface at flush(). */
  step(p: StepProgress): void {
    if (this.options.everySteps <= 0 || p.globalStep % this.options.everySteps !== 0) return;
    const scalars: Record<string, number> = { 'train/loss': p.loss, 'train/lr': p.lr, 'train/img_per_s': p.imgPerSec };
    if (p.generatorLr !== null) scalars['train/generator_lr'] = p.generatorLr;
    if (p.emaMomentum !== null) scalars['train/ema_momentum'] = p.emaMomentum;
    if (p.lambda !== null) scalars['train/lambda'] = p.lambda;
    for (const [term, value] of Object.entries(p.terms)) scalars[`loss/${term}`] = value;
    const line = { kind: 'step', globalStep: p.globalStep, epoch: p.epoch, step: p.step, loss: p.loss, lr: p.lr,
      generatorLr: p.generatorLr, emaMomentum: p.emaMomentum, lambda: p.lambda, mode: p.mode, terms: p.terms,
      imgPerSec: p.imgPerSec, skipped: p.skipped };
    this.enqueue(async () => {
      await this.run.appendMetrics(line);
      await this.board?.scalars(p.globalStep, scalars);
    });
  }

  /** For fit()'s onEpochEnd, with the global step the epoch ended at. */
  async epoch(m: EpochMetrics, globalStep: number): Promise<void> {
    const scalars: Record<string, number> = { 'epoch/train_loss': m.trainLoss, 'epoch/lr': m.lr, 'epoch/img_per_s': m.imgPerSec };
    for (const [head, h] of Object.entries(m.heads)) {
      scalars[`test/${head}/top1`] = h.top1;
      scalars[`test/${head}/top5`] = h.top5;
      scalars[`test/${head}/loss`] = h.loss;
    }
    this.enqueue(async () => {
      await this.run.appendMetrics({ kind: 'epoch', ...m });
      await this.board?.scalars(globalStep, scalars);
    });
    await this.flush();
  }

  /** Waits for every write so far; rethrows the first that failed. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failure !== null) throw this.failure;
  }

  private enqueue(write: () => Promise<void>): void {
    this.pending = this.pending.then(write).catch((error: unknown) => {
      this.failure ??= error;
    });
  }
}
