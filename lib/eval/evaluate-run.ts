/**
 * `adautomix eval`: a trained model on a test set: top-1/top-5 and loss of every head, its
 * calibration (standard ECE with 15 and 10 bins, the original's sorted-bins variant, the 15-bin
 * reliability diagram), and FGSM (and optionally PGD-10) accuracy of the reported head.
 */
import type { ImageDataset } from '../data/dataset.js';
import { readSamples } from '../data/dataset.js';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readNpy } from '../data/npy.js';
import { AdautomixError } from '../errors.js';
import { CORRUPTIONS, corrupt, type Corruption, Rng } from './corruptions.js';
import { defaultPatch, occlude } from './occlusion.js';
import type { Trainer } from '../train/trainer.js';
import { type AttackContext, fgsm, type FgsmMode, pgd } from './attacks.js';
import { calibration, type Calibration, confidences } from './calibration.js';
import { ConfusionTally, type PerClassReport } from './per-class.js';
import { checkedHead } from './reported.js';

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
  /** Built-in corruptions of the test images (types × severities 1..5), top-1 of the attacked head. */
  corruptions?: { types?: Corruption[]; severities?: number[] };
  /** A CIFAR-10-C / CIFAR-100-C folder (<corruption>.npy and labels.npy): top-1 per type and severity and over all. */
  cifarC?: string;
  /** Occlusion ratios (default 0, 0.1, …, 1) and patch side (default: ~14 patches per side). */
  occlusion?: { ratios?: number[]; patch?: number };
  onProgress?: (done: number, total: number) => void;
}

export interface RobustnessReport {
  head: string;
  /** Top-1 (%) per corruption type and severity ("1".."5"). */
  perType: Record<string, Record<string, number>>;
  /** Top-1 over every corrupted image. */
  overall: number;
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
  corruptions: RobustnessReport | null;
  cifarC: RobustnessReport | null;
  occlusion: { head: string; patch: number; points: { ratio: number; top1: number }[] } | null;
  /** Per-class top-1 and the confusion matrix of the attacked head, on the clean test images. */
  perClass: PerClassReport;
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
  const head = checkedHead(options.head, learned);
  const epsilon = options.epsilon ?? 8 / 255;
  const fgsmMode = options.fgsmMode ?? 'pixel';
  const ctx: AttackContext = { native: trainer, ...trainer.normalisation, head };
  const tallies: Record<string, Tally> = {};
  const confusion = new ConfusionTally(classes);
  let fgsmCorrect = 0;
  let pgdCorrect = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const images = await readSamples(dataset, start, n);
    const labels = dataset.labels.slice(start, start + n);
    const input = trainer.testView(images, [n, dataset.height, dataset.width, dataset.channels]);
    const { heads } = await trainer.forward(input);
    confusion.add(heads[head]!.values, labels);
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
  const perClass = confusion.report(head, trainer.info.classNames);
  const report: EvalReport = { count, heads: {}, fgsm: null, pgd: null, corruptions: null, cifarC: null, occlusion: null, perClass };
  for (const [name, t] of Object.entries(tallies)) {
    report.heads[name] = { top1: (100 * t.correct1) / count, top5: (100 * t.correct5) / count, loss: t.loss / count, ...calibration(t.confidence, t.correct) };
  }
  const attack = (correct: number): AttackReport => ({ head, epsilon, top1: (100 * correct) / count, error: 100 - (100 * correct) / count });
  if (options.fgsm ?? true) report.fgsm = { ...attack(fgsmCorrect), mode: fgsmMode };
  if (options.pgd) report.pgd = { ...attack(pgdCorrect), steps: 10, stepSize: 2 / 255 };
  const top1 = async (images: Uint8Array, labels: Int32Array, shape: [number, number, number, number]) =>
    top1Of((await trainer.forward(trainer.testView(images, shape))).heads[head]!.values, classes, labels);
  if (options.corruptions) report.corruptions = await corruptionRobustness(dataset, count, batchSize, head, options, top1);
  if (options.cifarC) report.cifarC = await cifarCRobustness(options.cifarC, dataset, options.limit, batchSize, head, top1);
  if (options.occlusion) report.occlusion = await occlusionRobustness(trainer, dataset, count, batchSize, head, options);
  return report;
}

type Top1 = (images: Uint8Array, labels: Int32Array, shape: [number, number, number, number]) => Promise<number>;

function summarise(head: string, counts: Record<string, Record<string, [number, number]>>): RobustnessReport {
  const perType: Record<string, Record<string, number>> = {};
  let correct = 0, total = 0;
  for (const [type, bySeverity] of Object.entries(counts)) {
    perType[type] = {};
    for (const [severity, [c, n]] of Object.entries(bySeverity)) {
      perType[type]![severity] = (100 * c) / n;
      correct += c;
      total += n;
    }
  }
  return { head, perType, overall: total > 0 ? (100 * correct) / total : Number.NaN };
}

async function corruptionRobustness(dataset: ImageDataset, count: number, batchSize: number, head: string, options: EvalOptions, top1: Top1): Promise<RobustnessReport> {
  const types = options.corruptions!.types ?? [...CORRUPTIONS];
  const severities = options.corruptions!.severities ?? [1, 2, 3, 4, 5];
  const { height: h, width: w, channels: c } = dataset;
  const pixels = h * w * c;
  const counts: Record<string, Record<string, [number, number]>> = {};
  for (const type of types) {
    counts[type] = {};
    for (const severity of severities) {
      const rng = new Rng((options.seed ?? 0) * 7919 + CORRUPTIONS.indexOf(type) * 31 + severity);
      let correct = 0;
      for (let start = 0; start < count; start += batchSize) {
        const n = Math.min(batchSize, count - start);
        const clean = await readSamples(dataset, start, n);
        const corrupted = new Uint8Array(n * pixels);
        for (let i = 0; i < n; i++) corrupted.set(await corrupt(clean.subarray(i * pixels, (i + 1) * pixels), h, w, c, type, severity, rng), i * pixels);
        correct += await top1(corrupted, dataset.labels.slice(start, start + n), [n, h, w, c]);
      }
      counts[type]![String(severity)] = [correct, count];
    }
  }
  return summarise(head, counts);
}

async function cifarCRobustness(dir: string, dataset: ImageDataset, limit: number | undefined, batchSize: number, head: string, top1: Top1): Promise<RobustnessReport> {
  const labels = await readNpy(join(dir, 'labels.npy'));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.npy') && f !== 'labels.npy').sort();
  if (files.length === 0) throw new AdautomixError(`${dir} holds no corruption .npy files (expected e.g. gaussian_noise.npy beside labels.npy)`, 'E_DATA');
  const counts: Record<string, Record<string, [number, number]>> = {};
  for (const file of files) {
    const images = await readNpy(join(dir, file));
    const [total, h, w, c] = images.shape as [number, number, number, number];
    if (images.shape.length !== 4 || total !== labels.data.length || h !== dataset.height || w !== dataset.width || c !== dataset.channels) {
      throw new AdautomixError(`${join(dir, file)} has shape (${images.shape.join(', ')}); expected (${labels.data.length}, ${dataset.height}, ${dataset.width}, ${dataset.channels}) as labels.npy and the test images`, 'E_DATA');
    }
    const type = basename(file, '.npy');
    counts[type] = {};
    const block = total / 5; // five severities, one after the other
    for (let severity = 1; severity <= 5; severity++) {
      const first = (severity - 1) * block;
      const n = Math.min(block, limit ?? block);
      let correct = 0;
      for (let start = first; start < first + n; start += batchSize) {
        const m = Math.min(batchSize, first + n - start);
        const batch = (images.data as Uint8Array).subarray(start * h * w * c, (start + m) * h * w * c);
        correct += await top1(batch, Int32Array.from(labels.data.subarray(start, start + m)), [m, h, w, c]);
      }
      counts[type]![String(severity)] = [correct, n];
    }
  }
  return summarise(head, counts);
}

async function occlusionRobustness(trainer: Trainer, dataset: ImageDataset, count: number, batchSize: number, head: string, options: EvalOptions) {
  const ratios = options.occlusion!.ratios ?? Array.from({ length: 11 }, (_, i) => i / 10);
  // Each ratio keeps its own draws, in batch order; every batch is read and normalised once for all ratios.
  const rngs = ratios.map((ratio) => new Rng((options.seed ?? 0) + Math.round(ratio * 1000)));
  const correct = ratios.map(() => 0);
  let patch = options.occlusion!.patch ?? 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const input = trainer.testView(await readSamples(dataset, start, n), [n, dataset.height, dataset.width, dataset.channels]);
    if (patch === 0) patch = defaultPatch(Math.min(input.shape[2]!, input.shape[3]!));
    const labels = dataset.labels.slice(start, start + n);
    for (const [r, ratio] of ratios.entries()) {
      correct[r] = correct[r]! + top1Of((await trainer.forward(occlude(input, ratio, patch, rngs[r]!))).heads[head]!.values, dataset.numClasses, labels);
    }
  }
  return { head, patch, points: ratios.map((ratio, r) => ({ ratio, top1: (100 * correct[r]!) / count })) };
}
