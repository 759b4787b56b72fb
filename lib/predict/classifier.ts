/**
 * A trained network as an image classifier: class probabilities and the top classes for your own
 * images, as raw bytes or as image files. `trainer.classifier()` for a trainer in hand,
 * `classifierFromRun(dir)` for a trained run folder.
 */
import { decodeFiles } from '../data/decode.js';
import { AdautomixError, configError } from '../errors.js';
import { checkedHead } from '../eval/reported.js';
import type { BatchShape, FloatTensor } from '../native.js';
import type { Trainer } from '../train/trainer.js';

export interface ClassScore {
  label: number;
  /** The class's name, when the data had names (`DatasetSplits.classNames`); otherwise null. */
  name: string | null;
  /** Softmax probability of the head's logits. */
  probability: number;
}

/** One image's prediction: its most probable class, and the `top` most probable in order. */
export interface Prediction extends ClassScore {
  top: ClassScore[];
}

export interface FilePrediction extends Prediction {
  path: string;
}

export interface ClassifyOptions {
  /** How many classes `top` lists (default 5, at most the number of classes). */
  top?: number;
}

export interface ClassifyFilesOptions extends ClassifyOptions {
  /** Called after each batch of files with the number done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface ClassifierOptions {
  /**
   * The head that classifies: 'head' for single-classifier methods; for AutoMix/AdAutoMix one of
   * mix_k, one_k, mix_q, one_q. Default: the reported one ('one_k', the EMA network, for those).
   */
  head?: string;
}

export class Classifier implements AsyncDisposable {
  /** The head that classifies. */
  readonly head: string;
  private disposed = false;

  /** Use `trainer.classifier()` or `classifierFromRun()`. */
  constructor(
    private readonly trainer: Trainer,
    options: ClassifierOptions | null,
    private readonly owned: boolean,
  ) {
    this.head = checkedHead(options?.head, trainer.config.method.learned !== null);
  }

  /** [height, width, channels] of the images the network takes (as its data stored them). */
  get inputShape(): readonly [number, number, number] {
    return this.trainer.info.inputShape;
  }

  get classes(): number {
    return this.trainer.info.classes;
  }

  /** The class names by label, or null when the data had none. */
  get classNames(): readonly string[] | null {
    return this.trainer.info.classNames;
  }

  /**
   * The head's logits [n, classes] for a uint8 NHWC batch of the input shape, seen as at test
   * time (the run's test-view resize and crop, its normalisation), in eval mode.
   */
  async logits(images: Uint8Array, shape: BatchShape): Promise<FloatTensor> {
    this.assertUsable();
    this.checkBatch(images, shape);
    const [n] = shape;
    const pixels = shape[1] * shape[2] * shape[3];
    const step = this.trainer.config.evalBatchSize;
    const values = new Float32Array(n * this.classes);
    // Bounded batches, so that a large call never holds more activations than evaluation does.
    for (let start = 0; start < n; start += step) {
      const count = Math.min(step, n - start);
      const view = this.trainer.testView(images.subarray(start * pixels, (start + count) * pixels), [count, shape[1], shape[2], shape[3]]);
      const { heads } = await this.trainer.forward(view);
      values.set(heads[this.head]!.values, start * this.classes);
    }
    return { shape: [n, this.classes], values };
  }

  /** Each image's most probable class and its `top` classes, with probabilities. */
  async classify(images: Uint8Array, shape: BatchShape, options: ClassifyOptions | null = {}): Promise<Prediction[]> {
    const top = this.topCount(options?.top);
    const { values } = await this.logits(images, shape);
    return Array.from({ length: shape[0] }, (_, i) => this.predict(values.subarray(i * this.classes, (i + 1) * this.classes), top));
  }

  /**
   * classify() for image files (PNG, JPEG, WebP, TIFF, GIF, AVIF: whatever sharp reads), each
   * decoded to the input shape as the run's image datasets decode theirs: scaled to cover it
   * (bicubic), centre kept, grey for one channel. E_DATA names a file that cannot be read.
   */
  async classifyFiles(paths: readonly string[], options: ClassifyFilesOptions | null = {}): Promise<FilePrediction[]> {
    this.assertUsable();
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '')) {
      throw configError('classifyFiles takes an array of file paths');
    }
    const top = this.topCount(options?.top);
    const onProgress: unknown = options?.onProgress;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw configError('onProgress must be a function (done, total)');
    const [height, width, channels] = this.inputShape;
    if (channels !== 1 && channels !== 3) throw configError(`image files give 1 or 3 channels; this network takes ${channels}`);
    const predictions: FilePrediction[] = [];
    // Decoded a batch at a time, so that a long list never sits in memory whole.
    const step = this.trainer.config.evalBatchSize;
    for (let start = 0; start < paths.length; start += step) {
      const chunk = paths.slice(start, start + step);
      const images = await decodeFiles(chunk, { height, width, channels });
      const found = await this.classify(images, [chunk.length, height, width, channels], { top });
      found.forEach((p, i) => predictions.push({ path: chunk[i]!, ...p }));
      options?.onProgress?.(predictions.length, paths.length);
    }
    return predictions;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) await this.trainer.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private predict(logits: Float32Array, top: number): Prediction {
    const probabilities = softmax(logits);
    const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
    const scores = order.slice(0, top).map((label) => ({ label, name: this.classNames?.[label] ?? null, probability: probabilities[label]! }));
    return { ...scores[0]!, top: scores };
  }

  private topCount(top: number | undefined): number {
    if (top === undefined) return Math.min(5, this.classes);
    if (!Number.isInteger(top) || top < 1 || top > this.classes) {
      throw configError(`top must be an integer from 1 to the ${this.classes} classes, got ${String(top)}`);
    }
    return top;
  }

  private checkBatch(images: Uint8Array, shape: BatchShape): void {
    const [height, width, channels] = this.inputShape;
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new AdautomixError(`shape must be [n, height, width, channels], got ${JSON.stringify(shape)}`, 'E_SHAPE');
    }
    if (shape[1] !== height || shape[2] !== width || shape[3] !== channels) {
      throw new AdautomixError(
        `this network takes ${height}x${width}x${channels} images, got ${shape[1]}x${shape[2]}x${shape[3]} (classifyFiles resizes image files)`,
        'E_SHAPE',
      );
    }
    if (!(images instanceof Uint8Array) || images.length !== shape[0] * height * width * channels) {
      throw new AdautomixError(`images must be a Uint8Array of ${shape[0]}x${height}x${width}x${channels} bytes, got ${images instanceof Uint8Array ? images.length : typeof images}`, 'E_SHAPE');
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new AdautomixError('this classifier was disposed', 'E_DISPOSED');
  }
}

/** exp(x − max) / Σ exp(x − max), in doubles. */
function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = out.reduce((a, v) => a + v, 0);
  return out.map((v) => v / sum);
}
