/**
 * The Trainer: drives the native trainer through epochs of seeded batches, evaluates after every
 * epoch, and reports progress. Two steps are kept in flight so the native thread never waits
 * for JavaScript, and the next batch is gathered while the current step runs.
 */
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../config/resolve.js';
import { describe, isPlainObject } from '../config/validate.js';
import { nativeMethodOptions } from '../config/classic-mix.js';
import { nativeModelOptions } from '../config/model.js';
import type { ResolvedConfig, TrainConfig } from '../config/types.js';
import { BatchRing } from '../data/batcher.js';
import { checkImageDataset, checkSplits } from '../data/check-splits.js';
import type { DatasetSplits, ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { epochOrder } from '../data/sampler.js';
import { AdautomixError, configError } from '../errors.js';
import {
  loadNative,
  type NativeEvalResult,
  type NativeHeadEval,
  type NativeInitInfo,
  type NativeStepResult,
  type NativeTrainer,
  type NativeTrainerOptions,
  type PretrainedReport,
  type NativeForwardResult,
  type AugmentOptions,
  type BatchShape,
  type FloatTensor,
  type TensorRecord,
} from '../native.js';
import { reportedAccuracy, reportedHead } from '../eval/reported.js';
import { pretrainedState } from '../export/torchvision.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { Mixer } from '../mix/mixer.js';
import { Classifier, type ClassifierOptions } from '../predict/classifier.js';
import { checkFitOptions, type EpochMetrics, type EvalMetrics, type FitOptions, type FitSummary, type HeadMetrics } from './events.js';
import { Throughput } from './throughput.js';
import { BestWeights } from './best-weights.js';
import { checkResumable, CheckpointStore, type DataFingerprint, readCheckpoint, type TrainerCheckpoint } from './checkpoints.js';

/** Steps kept queued on the native thread. */
const PIPELINE_DEPTH = 2;

export interface CreateTrainerOptions {
  /** Use these splits instead of loading the dataset the config names. */
  data?: DatasetSplits;
  /** Image datasets: called as files are decoded (done, total). */
  onDataProgress?: (done: number, total: number) => void;
}

export interface TrainerInfo extends NativeInitInfo {
  /** What `model.pretrained` loaded, or null without it. */
  pretrained: PretrainedReport | null;
  torchVersion: string;
  stepsPerEpoch: number;
  trainSamples: number;
  testSamples: number;
  /** [height, width, channels] of the images, and the classes: what the network was built for. */
  inputShape: [number, number, number];
  classes: number;
  /** The per-channel normalisation of the input, in [0, 1] pixel units. */
  normalisation: { mean: number[]; std: number[] };
  /** The class names of the data (`DatasetSplits.classNames`), by label; null when it has none. */
  classNames: string[] | null;
}

export async function createTrainer(config: TrainConfig = {}, options: CreateTrainerOptions = {}): Promise<Trainer> {
  return createResolvedTrainer(resolveConfig(config), options);
}

/** createTrainer for an already resolved config (a checkpoint's); `skipPretrained` for a resume, whose checkpoint has the weights. */
export async function createResolvedTrainer(
  resolved: ResolvedConfig,
  options: CreateTrainerOptions & { skipPretrained?: boolean } = {},
): Promise<Trainer> {
  options ??= {};
  const data = options.data !== undefined ? checkSplits(options.data) : await loadDataset(resolved.dataset, { onProgress: options.onDataProgress });
  const native = loadNative();
  const nativeOptions = { ...toNativeOptions(resolved, data), method: await nativeMethodOptions(resolved.method) };
  const handle = new native.NativeTrainer(nativeOptions);
  let init: NativeInitInfo;
  let pretrained: PretrainedReport | null = null;
  try {
    init = await handle.init();
    if (resolved.model.pretrained !== null && !options.skipPretrained) {
      const tensors = pretrainedState(await readSafetensors(resolved.model.pretrained), resolved.model.arch);
      pretrained = await handle.loadPretrained(tensors, resolved.model.skipClassifier);
    }
  } catch (error) {
    await handle.dispose();
    throw error;
  }
  const info: TrainerInfo = {
    ...init,
    pretrained,
    torchVersion: native.buildInfo().torchVersion,
    stepsPerEpoch: nativeOptions.stepsPerEpoch,
    trainSamples: data.train.count,
    testSamples: data.test.count,
    inputShape: [data.train.height, data.train.width, data.train.channels],
    classes: data.train.numClasses,
    normalisation: { mean: nativeOptions.augment.mean, std: nativeOptions.augment.std },
    classNames: data.classNames ?? null,
  };
  return new Trainer(resolved, data, handle, info, nativeOptions.augment);
}

function toNativeOptions(c: ResolvedConfig, data: DatasetSplits): NativeTrainerOptions {
  const { train, test } = data;
  if (test.channels !== train.channels || test.height !== train.height || test.width !== train.width) {
    throw new AdautomixError(`the test images (${test.height}x${test.width}x${test.channels}) differ in shape from the training images (${train.height}x${train.width}x${train.channels})`, 'E_DATA');
  }
  const mean = c.augment.mean ?? data.stats.mean;
  const std = c.augment.std ?? data.stats.std;
  if (mean.length !== train.channels || std.length !== train.channels) {
    throw configError(`augment.mean and augment.std need ${train.channels} value(s), one per image channel, got ${mean.length} and ${std.length}`);
  }
  if (c.augment.cropPadding >= Math.min(train.height, train.width)) {
    throw configError(`augment.cropPadding must be smaller than the image size (${train.height}x${train.width}), got ${c.augment.cropPadding}`);
  }
  const view = viewSizes(c.augment, train.height, train.width);
  const stepsPerEpoch = Math.floor(train.count / c.batchSize);
  if (stepsPerEpoch < 1) {
    throw configError(`batchSize (${c.batchSize}) is larger than the training set (${train.count} samples)`);
  }
  return {
    device: c.device,
    threads: c.threads,
    seed: c.seed,
    model: nativeModelOptions(c.model, train.channels, train.numClasses, Math.min(view.height, view.width)),
    augment: { ...c.augment, mean, std, randAugment: randAugmentFor(c.augment.randAugment, train.channels) },
    method: { ...c.method },
    // The warm-up is counted in iterations on the native side.
    optimizer: { ...c.optimizer, warmupSteps: Math.round(c.optimizer.warmupEpochs * stepsPerEpoch) },
    epochs: c.epochs,
    stepsPerEpoch,
    nanPolicy: c.nanPolicy,
    speed: c.speed,
  };
}

/** RandAugment's fill per channel: the policy's grey for RGB, its mean for other channel counts. */
function randAugmentFor(ra: ResolvedConfig['augment']['randAugment'], channels: number) {
  if (ra === null) return null;
  const fill = ra.fill ?? (channels === 3 ? [114, 123, 125] : Array<number>(channels).fill(121));
  if (fill.length !== channels) throw configError(`augment.randAugment.fill needs ${channels} value(s), one per image channel, got ${fill.length}`);
  return { ...ra, fill };
}

/** The training view's size, checked against the test view's (the model sees both). */
function viewSizes(a: ResolvedConfig['augment'], height: number, width: number): { height: number; width: number } {
  if (a.resizedCrop && a.cropPadding > 0) throw configError('augment.cropPadding and augment.resizedCrop exclude each other: pick one crop');
  const train = a.resizedCrop ? { height: a.resizedCrop.size, width: a.resizedCrop.size } : { height, width };
  const side = a.evalCrop || a.evalResize;
  const test = side > 0 ? { height: side, width: side } : { height, width };
  if (a.evalCrop > 0 && a.evalCrop > (a.evalResize || Math.min(height, width))) {
    throw configError(`augment.evalCrop (${a.evalCrop}) is larger than the image it crops (${a.evalResize ? `${a.evalResize}²` : `${height}x${width}`})`);
  }
  if (train.height !== test.height || train.width !== test.width) {
    throw configError(
      `the training view (${train.height}x${train.width}) and the test view (${test.height}x${test.width}) differ: ` +
        `set augment.evalResize / augment.evalCrop so that the test images come out at the training size`,
    );
  }
  return train;
}

/** Marks a promise as handled now (it is awaited later), so an early rejection is not fatal. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

export class Trainer implements AsyncDisposable {
  private state: 'idle' | 'fitting' | 'disposed' = 'idle';
  private epoch = 0; // next epoch to run, 0-based
  private stepInEpoch = 0; // next step within it
  private globalStep = 0;
  private epochLossSum = 0;
  private epochSkipped = 0;
  private epochSeconds = 0;
  private readonly history: EpochMetrics[] = [];
  private readonly trainRing: BatchRing;

  constructor(
    readonly config: ResolvedConfig,
    readonly data: DatasetSplits,
    private readonly native: NativeTrainer,
    readonly info: TrainerInfo,
    private readonly augment: AugmentOptions,
  ) {
    this.trainRing = new BatchRing(data.train, config.batchSize, PIPELINE_DEPTH + 1);
  }

  /** The per-channel normalisation the model's input uses, in [0, 1] pixel units. */
  get normalisation(): { mean: number[]; std: number[] } {
    return this.info.normalisation;
  }

  /** A uint8 NHWC batch as the model sees it at test time: the test view (resize, crop), normalised NCHW. */
  testView(images: Uint8Array, shape: BatchShape): FloatTensor {
    const values = loadNative().augmentBatch(images, shape, this.augment, 0, false);
    const [n, height, width, c] = shape;
    const side = this.augment.evalCrop || this.augment.evalResize; // the test view's square, 0: as stored
    return { shape: side ? [n, c, side, side] : [n, c, height, width], values };
  }

  /** ∂ Σ CE(head(input), labels) / ∂ input for a normalised input (eval mode); changes nothing. */
  async inputGradient(input: FloatTensor, labels: Int32Array, head: string): Promise<{ gradient: Float32Array; loss: number }> {
    this.assertUsable();
    return this.native.inputGradient(input, labels, head);
  }

  /** The device the trainer runs on ('cpu', 'cuda:0'). */
  get device(): string {
    return this.info.device;
  }

  get totalSteps(): number {
    return this.config.epochs * this.info.stepsPerEpoch;
  }

  /** Trains until config.epochs are done; a second call after an abort resumes where it stopped. */
  async fit(options: FitOptions | null = {}): Promise<FitSummary> {
    this.assertUsable();
    if (this.state === 'fitting') throw new AdautomixError('fit() is already running on this trainer', 'E_BUSY');
    const checked = checkFitOptions(options);
    this.state = 'fitting';
    try {
      return await this.runEpochs(checked);
    } finally {
      if (this.state === 'fitting') this.state = 'idle';
    }
  }

  /** Top-1/top-5 (percent) and mean loss of every head on a dataset (default: the test split), normalisation only. */
  async evaluate(dataset: ImageDataset = this.data.test, signal?: AbortSignal): Promise<EvalMetrics> {
    this.assertUsable();
    if (dataset !== this.data.test) checkImageDataset(dataset, 'dataset');
    const batchSize = this.config.evalBatchSize;
    const ring = new BatchRing(dataset, batchSize, PIPELINE_DEPTH + 1);
    let count = 0;
    const totals: Record<string, NativeHeadEval> = {};
    const inflight: Promise<NativeEvalResult>[] = [];
    const take = async () => {
      const r = await inflight.shift()!;
      count += r.count;
      for (const [name, h] of Object.entries(r.heads)) {
        const t = (totals[name] ??= { correct1: 0, correct5: 0, lossSum: 0 });
        t.correct1 += h.correct1;
        t.correct5 += h.correct5;
        t.lossSum += h.lossSum;
      }
    };
    try {
      for (let start = 0; start < dataset.count; start += batchSize) {
        if (signal?.aborted) throw new AdautomixError('evaluation aborted', 'E_ABORT');
        const batch = await ring.fetchRange(start, Math.min(batchSize, dataset.count - start));
        inflight.push(quiet(this.native.evaluate(batch.images, batch.labels, batch.shape)));
        if (inflight.length >= PIPELINE_DEPTH) await take();
      }
      while (inflight.length > 0) await take();
    } catch (error) {
      await Promise.allSettled(inflight);
      throw error;
    }
    const heads: Record<string, HeadMetrics> = {};
    for (const [name, t] of Object.entries(totals)) {
      heads[name] = { top1: (100 * t.correct1) / count, top5: (100 * t.correct5) / count, loss: t.lossSum / count };
    }
    const head = reportedHead(this.config.method.learned !== null);
    return { ...heads[head]!, count, head, heads };
  }

  /**
   * The method's mixer: for AutoMix/AdAutoMix the current generator; for the classic methods their
   * boxes and masks. Gives masks, mixed images and label weights for any batch of this dataset's
   * shape. Calls run between training steps and change nothing.
   */
  mixer(): Mixer {
    this.assertUsable();
    if (this.config.method.name === 'vanilla') throw configError(`method 'vanilla' does not mix; mixers exist for every other method`);
    return new Mixer(this.native, this.data.train.numClasses, this.config.seed + 1, false, () => this.assertUsable());
  }

  /**
   * The network as an image classifier with the trainer's current weights: probabilities and top
   * classes for your own images (bytes or files). Calls run between training steps and change nothing.
   */
  classifier(options: ClassifierOptions | null = {}): Classifier {
    this.assertUsable();
    return new Classifier(this, options, false);
  }

  /** What a checkpoint records of the data, so that a resume on other data is refused. */
  get dataFingerprint(): DataFingerprint {
    const { trainSamples, testSamples, classes, inputShape } = this.info;
    return { trainSamples, testSamples, classes, shape: [...inputShape] };
  }

  /** The whole training state (networks, optimizer, random generator, progress); not while fit() runs. */
  async checkpoint(): Promise<TrainerCheckpoint> {
    this.assertIdle('checkpoint()');
    return this.snapshot();
  }

  /**
   * Continues from a checkpoint of this configuration and data: the next fit() goes on exactly
   * where the checkpointed run was. E_CHECKPOINT (with nothing changed) when it does not fit.
   */
  async restore(checkpoint: TrainerCheckpoint, source = 'the checkpoint'): Promise<void> {
    this.assertIdle('restore()');
    checkResumable(checkpoint, this.config, this.dataFingerprint, source);
    await this.native.restore(checkpoint.native);
    const p = checkpoint.progress;
    this.epoch = p.epoch;
    this.stepInEpoch = p.stepInEpoch;
    this.globalStep = p.globalStep;
    this.epochLossSum = p.epochLossSum;
    this.epochSkipped = p.epochSkipped;
    this.epochSeconds = p.epochSeconds;
    this.history.splice(0, this.history.length, ...p.history);
  }

  /**
   * Restores the checkpoint in `path`: a checkpoint folder (step-N), or a folder of them (a
   * run's checkpoints/), whose newest is taken. Returns the folder used.
   */
  async resume(path: string): Promise<string> {
    this.assertIdle('resume()');
    const store = new CheckpointStore(path);
    const folder = (await store.steps()).length > 0 ? (await store.latest())! : path;
    await this.restore(await readCheckpoint(folder), folder);
    return folder;
  }

  /** Epochs completed and the metrics of each (after a restore, those of the checkpointed run too). */
  get progress(): { epoch: number; globalStep: number; history: readonly EpochMetrics[] } {
    return { epoch: this.epoch, globalStep: this.globalStep, history: this.history };
  }

  /** Every parameter and buffer by module path (e.g. head.fc.weight), float32. */
  async weights(): Promise<TensorRecord> {
    this.assertUsable();
    return this.native.state();
  }

  /** Every parameter and buffer (online, EMA and generator networks) as float32 safetensors, with `metadata` in its header. */
  async saveWeights(path: string, metadata?: Record<string, string>): Promise<void> {
    this.assertUsable();
    if (metadata !== undefined && !(isPlainObject(metadata) && Object.values(metadata).every((v) => typeof v === 'string'))) {
      throw configError(`saveWeights(path, metadata): metadata must map names to strings, got ${describe(metadata)}`);
    }
    await writeSafetensors(path, await this.native.state(), metadata);
  }

  /** Loads weights saved by saveWeights (same method and model). */
  async loadWeights(path: string): Promise<void> {
    this.assertUsable();
    await this.native.loadState(await readSafetensors(path));
  }

  /**
   * Eval-mode logits of every head for an input already in the model's space ([n, c, h, w]
   * float32, normalised), and with `stages: true` the online backbone's stage outputs. Runs
   * between training steps and changes nothing.
   */
  async forward(input: FloatTensor, options: { stages?: boolean } | null = {}): Promise<NativeForwardResult> {
    this.assertUsable();
    return this.native.forward(input, options?.stages ?? false);
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    this.state = 'disposed';
    await this.native.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private assertUsable(): void {
    if (this.state === 'disposed') throw new AdautomixError('this trainer was disposed', 'E_DISPOSED');
  }

  private assertIdle(what: string): void {
    this.assertUsable();
    if (this.state === 'fitting') throw new AdautomixError(`${what} cannot run while fit() runs (use fit({ checkpoints }))`, 'E_BUSY');
  }

  /** Only at a step boundary with no step in flight. */
  private async snapshot(): Promise<TrainerCheckpoint> {
    return {
      config: this.config,
      data: this.dataFingerprint,
      progress: {
        epoch: this.epoch,
        stepInEpoch: this.stepInEpoch,
        globalStep: this.globalStep,
        epochLossSum: this.epochLossSum,
        epochSkipped: this.epochSkipped,
        epochSeconds: this.epochSeconds,
        history: [...this.history],
      },
      native: await this.native.checkpoint(),
    };
  }

  private async saveCheckpoint({ checkpoints, onCheckpoint }: FitOptions): Promise<void> {
    if (!checkpoints) return;
    const path = await checkpoints.save(await this.snapshot(), this.info.torchVersion);
    await onCheckpoint?.(path);
  }

  private summary(started: number, aborted: boolean, best: BestWeights | null): FitSummary {
    return {
      epochsCompleted: this.epoch,
      stepsCompleted: this.globalStep,
      history: [...this.history],
      reported: reportedAccuracy(this.history),
      seconds: (performance.now() - started) / 1000,
      aborted,
      best: best?.record ?? null,
    };
  }

  private async runEpochs(options: FitOptions): Promise<FitSummary> {
    const { signal, onProgress, onEpochEnd } = options;
    const started = performance.now();
    const { batchSize, epochs, seed } = this.config;
    const stepsPerEpoch = this.info.stepsPerEpoch;
    const throughput = new Throughput();
    let lastStep: NativeStepResult | undefined;
    const split = this.config.dataset.validation ? 'validation' : 'test';
    const best = options.bestWeights ? await BestWeights.open(options.bestWeights, split, this.history) : null;

    const record = (r: NativeStepResult) => {
      lastStep = r;
      this.stepInEpoch += 1;
      this.globalStep += 1;
      this.epochLossSum += r.skipped ? 0 : r.loss;
      this.epochSkipped += r.skipped ? 1 : 0;
      const now = performance.now();
      throughput.record(now, batchSize);
      const rate = throughput.rate();
      onProgress?.({
        epoch: this.epoch + 1,
        epochs,
        step: this.stepInEpoch,
        stepsPerEpoch,
        globalStep: this.globalStep,
        totalSteps: this.totalSteps,
        loss: r.loss,
        lr: r.lr,
        generatorLr: r.generatorLr,
        emaMomentum: r.emaMomentum,
        terms: r.terms,
        lambda: r.lambda,
        mode: r.mode,
        imgPerSec: rate,
        etaSeconds: rate > 0 ? ((this.totalSteps - this.globalStep) * batchSize) / rate : Number.NaN,
        skipped: r.skipped,
      });
    };

    while (this.epoch < epochs) {
      if (this.stepInEpoch === 0) {
        this.epochLossSum = 0;
        this.epochSkipped = 0;
        this.epochSeconds = 0;
      }
      const epochStarted = performance.now();
      const order = epochOrder(this.data.train.count, seed, this.epoch);
      const inflight: Promise<NativeStepResult>[] = [];
      let aborted = false;
      try {
        while (this.stepInEpoch + inflight.length < stepsPerEpoch) {
          if (signal?.aborted) {
            aborted = true;
            break;
          }
          const batch = await this.trainRing.fetch(order, (this.stepInEpoch + inflight.length) * batchSize, batchSize);
          inflight.push(quiet(this.native.trainStep(batch.images, batch.labels, batch.shape)));
          if (inflight.length >= PIPELINE_DEPTH) record(await inflight.shift()!);
        }
        while (inflight.length > 0) record(await inflight.shift()!);
      } catch (error) {
        await Promise.allSettled(inflight);
        throw error;
      }
      this.epochSeconds += (performance.now() - epochStarted) / 1000;
      if (aborted) {
        await this.saveCheckpoint(options);
        throw this.abortError(started, best);
      }

      const evalStarted = performance.now();
      let metrics: EvalMetrics;
      try {
        metrics = await this.evaluate(this.data.test, signal);
      } catch (error) {
        if (error instanceof AdautomixError && error.code === 'E_ABORT') {
          // The epoch's steps are done; its evaluation reruns on resume.
          await this.saveCheckpoint(options);
          throw this.abortError(started, best);
        }
        throw error;
      }
      const trainSeconds = this.epochSeconds;
      this.epochSeconds += (performance.now() - evalStarted) / 1000;
      const trained = stepsPerEpoch - this.epochSkipped;
      const epochMetrics: EpochMetrics = {
        epoch: this.epoch + 1,
        ...metrics,
        trainLoss: trained > 0 ? this.epochLossSum / trained : Number.NaN,
        lr: lastStep?.lr ?? this.config.optimizer.lr,
        imgPerSec: (stepsPerEpoch * batchSize) / trainSeconds,
        seconds: this.epochSeconds,
        skippedSteps: this.epochSkipped,
      };
      this.history.push(epochMetrics);
      this.epoch += 1;
      this.stepInEpoch = 0;
      await best?.offer(epochMetrics, this.globalStep, (path, metadata) => this.saveWeights(path, metadata));
      await onEpochEnd?.(epochMetrics);
      const every = this.config.checkpoint.every;
      if (this.epoch === epochs || (every > 0 && this.epoch % every === 0)) await this.saveCheckpoint(options);
    }
    return this.summary(started, false, best);
  }

  private abortError(started: number, best: BestWeights | null): AdautomixError {
    const summary = this.summary(started, true, best);
    const error = new AdautomixError(
      `training aborted at a step boundary after ${summary.stepsCompleted} step(s) (${summary.epochsCompleted} complete epoch(s)); call fit() again to resume`,
      'E_ABORT',
    );
    return Object.assign(error, { summary });
  }
}
