/**
 * `adautomix eval`: a trained model on a test set: top-1/top-5 and loss of every head, its
 * calibration (standard ECE with 15 and 10 bins, the original's sorted-bins variant, the 15-bin
 * reliability diagram), and FGSM (and optionally PGD-10) accuracy of the reported head.
 */
import type { ImageDataset } from '../data/dataset.js';
import { readSamples } from '../data/dataset.js';
import { configError } from '../errors.js';
import type { Trainer } from '../train/trainer.js';
import { type AttackContext, fgsm, type FgsmMode, pgd } from './attacks.js';
import { calibration, type Calibration, confidences } from './calibration.js';

export interface EvalOptions {
  /** Evaluate only the first N test images. */
  limit?: number;
  batchSize?: number;
  /** The head the attacks target; default the reported one ('one_k' for AutoMix/AdAutoMix). */
  head?: string;
  fgsm?: boolean;
  fgsmMode?: FgsmMode;
  epsilon?: number;
  /** PGD with 10 steps of 2/255 (costs 10 gradient passes per batch). */
  pgd?: boolean;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface HeadReport extends Calibration {
  top1: number;
  top5: number;
  loss: number;
}

export interface AttackReport {
  head: string;
  epsilon: number;
  /** Top-1 (%) on the attacked images, and the error (100 − top-1). */
  top1: number;
  error: number;
}

export interface EvalReport {
  count: number;
  heads: Record<string, HeadReport>;
  fgsm: (AttackReport & { mode: FgsmMode }) | null;
  pgd: (AttackReport & { steps: number; stepSize: number }) | null;
}

interface Tally {
  correct1: number;
  correct5: number;
  loss: number;
  confidence: number[];
  correct: number[];
}

function tallyLogits(t: Tally, logits: Float32Array, classes: number, labels: Int32Array): void {
  const { confidence, correct } = confidences(logits, classes, labels);
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const target = row[labels[i]!]!;
    let above = 0;
    let max = -Infinity;
    for (const v of row) {
      if (v > target) above++;
      max = Math.max(max, v);
    }
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    t.loss += Math.log(sum) + max - target;
    t.correct1 += correct[i]!;
    t.correct5 += above < 5 ? 1 : 0;
    t.confidence.push(confidence[i]!);
    t.correct.push(correct[i]!);
  }
}

const top1Of = (logits: Float32Array, classes: number, labels: Int32Array) => {
  const { correct } = confidences(logits, classes, labels);
  return correct.reduce((s, v) => s + v, 0);
};

export async function evaluateRun(trainer: Trainer, dataset: ImageDataset, options: EvalOptions = {}): Promise<EvalReport> {
  const count = Math.min(dataset.count, options.limit ?? dataset.count);
  const batchSize = options.batchSize ?? trainer.config.evalBatchSize;
  const classes = dataset.numClasses;
  const learned = trainer.config.method.learned !== null;
  const head = options.head ?? (learned ? 'one_k' : 'head');
  const epsilon = options.epsilon ?? 8 / 255;
  const fgsmMode = options.fgsmMode ?? 'pixel';
  const ctx: AttackContext = { native: trainer, ...trainer.normalisation, head };
  const tallies: Record<string, Tally> = {};
  let fgsmCorrect = 0;
  let pgdCorrect = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const images = await readSamples(dataset, start, n);
    const labels = dataset.labels.slice(start, start + n);
    const input = trainer.testView(images, [n, dataset.height, dataset.width, dataset.channels]);
    const { heads } = await trainer.forward(input);
    if (!(head in heads)) throw configError(`no head '${head}'; this method has ${Object.keys(heads).join(', ')}`);
    for (const [name, logits] of Object.entries(heads)) {
      tallyLogits((tallies[name] ??= { correct1: 0, correct5: 0, loss: 0, confidence: [], correct: [] }), logits.values, classes, labels);
    }
    if (options.fgsm ?? true) {
      const attacked = await fgsm(ctx, input, labels, epsilon, fgsmMode);
      fgsmCorrect += top1Of((await trainer.forward(attacked)).heads[head]!.values, classes, labels);
    }
    if (options.pgd) {
      const attacked = await pgd(ctx, input, labels, epsilon, 2 / 255, 10, (options.seed ?? 0) + start);
      pgdCorrect += top1Of((await trainer.forward(attacked)).heads[head]!.values, classes, labels);
    }
    options.onProgress?.(start + n, count);
  }
  const report: EvalReport = { count, heads: {}, fgsm: null, pgd: null };
  for (const [name, t] of Object.entries(tallies)) {
    report.heads[name] = { top1: (100 * t.correct1) / count, top5: (100 * t.correct5) / count, loss: t.loss / count, ...calibration(t.confidence, t.correct) };
  }
  const attack = (correct: number): AttackReport => ({ head, epsilon, top1: (100 * correct) / count, error: 100 - (100 * correct) / count });
  if (options.fgsm ?? true) report.fgsm = { ...attack(fgsmCorrect), mode: fgsmMode };
  if (options.pgd) report.pgd = { ...attack(pgdCorrect), steps: 10, stepSize: 2 / 255 };
  return report;
}
