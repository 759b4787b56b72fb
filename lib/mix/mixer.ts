/**
 * A mixer usable from any TS pipeline: given a uint8 NHWC batch, it returns the masks, the mixed
 * images and the label weights. For AutoMix/AdAutoMix the masks come from the current generator;
 * for the classic methods (CutMix, FMix, ...) from their boxes and masks, as two sources: the
 * original and its partner. Either bound to a Trainer (`trainer.mixer()`, runs between its
 * steps) or standalone (`createMixer`, optionally from saved weights).
 */
import { readSafetensors } from '../io/safetensors.js';
import { resolveConfig } from '../config/resolve.js';
import { describe, isPlainObject } from '../config/validate.js';
import { nativeMethodOptions } from '../config/classic-mix.js';
import { nativeModelOptions } from '../config/model.js';
import type { DeviceRequest, MethodConfig, MethodName, ModelArch } from '../config/types.js';
import { AdautomixError, configError } from '../errors.js';
import { type BatchShape, type BranchDraws, loadNative, type NativeMixResult, type NativeTrainer, type TensorRecord } from '../native.js';

export interface MixOptions {
  /** Labels of the batch: the result then carries soft targets. */
  labels?: Int32Array;
  /** Seed of this call's λ and permutations; default: a counter, so calls differ. */
  seed?: number;
  /** Exact draws (the generator branch is used; the classifier branch may repeat it). */
  forced?: { generator: BranchDraws; classifier?: BranchDraws };
}

export interface MixResult extends NativeMixResult {
  /** With labels: soft targets [n, classes], Σ_i λ_i·onehot(labels[π_i[b]]). */
  targets?: Float32Array;
}

export class Mixer implements AsyncDisposable {
  private nextSeed: number;
  private disposed = false;

  /** Use `createMixer` or `trainer.mixer()`. */
  constructor(
    private readonly native: NativeTrainer,
    readonly numClasses: number,
    seed: number,
    private readonly owned: boolean,
    private readonly usable: () => void = () => undefined,
  ) {
    this.nextSeed = seed;
  }

  async mix(images: Uint8Array, shape: BatchShape, options: MixOptions | null = {}): Promise<MixResult> {
    if (this.disposed) throw new AdautomixError('this mixer was disposed', 'E_DISPOSED');
    options ??= {};
    this.usable();
    const seed = options.seed ?? this.nextSeed++;
    const forced = options.forced && { generator: options.forced.generator, classifier: options.forced.classifier ?? options.forced.generator };
    const r: MixResult = await this.native.mix(images, shape, seed, forced);
    if (options.labels) r.targets = softTargets(options.labels, r, this.numClasses);
    return r;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) await this.native.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

function softTargets(labels: Int32Array, r: MixResult, classes: number): Float32Array {
  const n = r.maskShape[0];
  if (labels.length !== n) throw new AdautomixError(`labels hold ${labels.length} entries for ${n} images`, 'E_SHAPE');
  const targets = new Float32Array(n * classes);
  r.permutations.forEach((perm, i) => {
    for (let b = 0; b < n; b++) {
      const label = labels[perm[b]!]!;
      if (label < 0 || label >= classes) throw new AdautomixError(`label ${label} is outside 0..${classes - 1}`, 'E_DATA');
      targets[b * classes + label]! += r.lambdas[i]!;
    }
  });
  return targets;
}

export interface CreateMixerOptions {
  /** Any mixing method by name, or its full options (see docs/methods.md); not 'vanilla'. ManifoldMix mixes inside the network and has no images to give. */
  method: Exclude<MethodName, 'vanilla'> | (MethodConfig & { name: Exclude<MethodName, 'vanilla'> });
  model?: { arch?: ModelArch; baseWidth?: number; imageSize?: number; dropPath?: number };
  /** Size of the images the network was built for (Swin sizes its windows from it); default the architecture's. */
  imageSize?: number;
  /** Image channels and classes the network was built for. */
  channels: number;
  classes: number;
  /** Normalisation of the images, per channel, in [0,1] pixel units. */
  mean: number[];
  std: number[];
  /** Trained weights: a safetensors file (e.g. a run's weights.safetensors) or a state record. */
  weights?: string | TensorRecord;
  seed?: number;
  threads?: number;
  device?: DeviceRequest;
}

export async function createMixer(options: CreateMixerOptions): Promise<Mixer> {
  if (!isPlainObject(options)) {
    throw configError(`createMixer needs { method, channels, classes, mean, std }, got ${describe(options)}`);
  }
  const method = typeof options.method === 'string' ? { name: options.method } : options.method;
  if (!isPlainObject(method)) {
    throw configError(`createMixer needs method: a mixing method's name or its options, got ${describe(options.method)}`);
  }
  if ((method.name as string) === 'vanilla') throw configError(`createMixer needs a mixing method, got 'vanilla'`);
  const c = resolveConfig({ method, model: options.model, seed: options.seed, threads: options.threads, device: options.device });
  if (!Number.isInteger(options.channels) || options.channels < 1) throw configError(`channels must be a positive integer, got ${describe(options.channels)}`);
  if (!Number.isInteger(options.classes) || options.classes < 2) throw configError(`classes must be an integer ≥ 2, got ${describe(options.classes)}`);
  if (options.mean?.length !== options.channels || options.std?.length !== options.channels) {
    throw configError(`mean and std need ${options.channels} value(s), one per channel`);
  }
  const native = new (loadNative().NativeTrainer)({
    device: c.device, threads: c.threads, seed: c.seed,
    model: nativeModelOptions(c.model, options.channels, options.classes, options.imageSize ?? 0),
    augment: { cropPadding: 0, flip: false, mean: options.mean, std: options.std },
    method: await nativeMethodOptions(c.method), optimizer: { ...c.optimizer }, epochs: 1, stepsPerEpoch: 1, nanPolicy: 'error',
  });
  try {
    await native.init();
    if (options.weights !== undefined) {
      const weights = typeof options.weights === 'string' ? await readSafetensors(options.weights) : options.weights;
      await native.loadState(weights);
    }
  } catch (error) {
    await native.dispose();
    throw error;
  }
  return new Mixer(native, options.classes, c.seed + 1, true);
}
