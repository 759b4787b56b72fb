/**
 * Loads the native addon (a prebuild from prebuilds/, or build/Release from a source build) and
 * declares the typed surface of everything it exports, in one place.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedClassicMode, ResolvedConfig, ResolvedLearnedMix } from './config/types.js';
import { AdautomixError } from './errors.js';

export interface NativeTrainerOptions {
  device: string;
  threads: number;
  seed: number;
  model: NativeModelOptions;
  augment: AugmentOptions;
  /** `learned` is read for automix and adautomix only; `modes` for the classic methods (absent or null: one mode from name and alpha). */
  method: { name: string; alpha: number; learned: ResolvedLearnedMix | null; modes?: Array<ResolvedClassicMode & { attentiveWeights?: TensorRecord }> | null };
  /** The SGD fields are required; AdamW, warm-up (in iterations), clipping and accumulation default to off. */
  optimizer: Pick<ResolvedConfig['optimizer'], 'lr' | 'minLr' | 'momentum' | 'weightDecay' | 'nesterov' | 'lrStepping'> &
    Partial<ResolvedConfig['optimizer']> & { warmupSteps?: number };
  epochs: number;
  stepsPerEpoch: number;
  nanPolicy: 'error' | 'skip-step';
  /** Absent: the native defaults, those of SPEED_DEFAULTS (all off but multiTensor). */
  speed?: ResolvedConfig['speed'];
}

export interface NativeModelOptions {
  arch: string;
  inChannels: number;
  numClasses: number;
  /** 0 or left out: the architecture's default. */
  baseWidth?: number;
  /** 0 or left out: the architecture's default. */
  imageSize?: number;
  /** < 0 or left out: the architecture's default. */
  dropPath?: number;
}

/** What loading torchvision-named pretrained weights did. */
export interface PretrainedReport {
  /** Tensors written. */
  loaded: number;
  /** Classifier tensors left out (skipClassifier). */
  skipped: string[];
  /** Derivable buffers the file lacked, kept at their defaults (num_batches_tracked, relative_position_index). */
  defaulted: string[];
}

export interface NativeForwardResult {
  /** Logits per head. */
  heads: TensorRecord;
  /** Stage outputs of the (online) backbone, NCHW: stage1, stage2, ... (empty unless asked). */
  stages: TensorRecord;
}

export interface NativeInitInfo {
  device: string;
  deviceAutomatic: boolean;
  threads: number;
  parameters: number;
  /** The speed options in effect: the CUDA-only ones are off on the CPU. */
  speed: ResolvedConfig['speed'];
}

export interface NativeStepResult {
  loss: number;
  lr: number;
  /** The mask generator's learning rate (null without one). */
  generatorLr: number | null;
  /** The EMA teacher's momentum at this step (null without one). */
  emaMomentum: number | null;
  lambda: number | null;
  /** The method's named loss terms (e.g. mix_q, one_q, mix_k, cosine, generator, mask). */
  terms: Record<string, number>;
  /** Images mixed per sample this step (learned mixing), else 0. */
  sources: number;
  /** AdAutoMix: whether the generator maximised the teacher's loss this step. */
  adversarial: boolean;
  step: number;
  skipped: boolean;
  seconds: number;
  /** The classic mode used this step (e.g. 'cutmix'); null for the other methods. */
  mode: string | null;
  /** Seconds spent mixing this step (classic methods; ManifoldMix: its in-network blends); null otherwise. */
  mixSeconds: number | null;
  /** speed.cudaGraphs: 'warmup' | 'capture' | 'replay' | 'eager' (never captured); null when off. */
  graph: string | null;
}

export interface NativeHeadEval {
  correct1: number;
  correct5: number;
  lossSum: number;
}

export interface NativeEvalResult {
  count: number;
  /** Every test-time head: 'head' for single-classifier methods; mix_k, one_k, mix_q, one_q otherwise. */
  heads: Record<string, NativeHeadEval>;
}

/** One branch of a learned-mixing step: source i is x[permutations[i]] with label weight lambdas[i]. */
export interface BranchDraws {
  lambdas: number[];
  permutations: number[][];
}

/** Draws a test may force, to compare a step with another implementation. */
export interface ForcedDraws {
  /** The classic methods: λ (ResizeMix: the box scale τ), the partner permutation, and the mode's index. */
  lambda?: number;
  permutation?: number[];
  mode?: number;
  /** AutoMix / AdAutoMix: the generator ("mb") and classifier ("bb") branches. */
  generator?: BranchDraws;
  classifier?: BranchDraws;
  /** The switch_off coin: true skips the generator branch this step. */
  skipGenerator?: boolean;
}

/** The shape of a uint8 image batch: NHWC. */
export type BatchShape = [n: number, height: number, width: number, channels: number];

/** A float32 tensor as JavaScript holds it: its shape and its values in row-major order. */
export interface FloatTensor {
  shape: number[];
  values: Float32Array;
}

/** Named tensors: a state record (module path → tensor), or logits by head. */
export type TensorRecord = Record<string, FloatTensor>;

/** What a mixer makes of a batch (see lib/mix/mixer.ts); the classic methods give N = 2: the original, then its partner. */
export interface NativeMixResult {
  /** N, the images mixed into each output image. */
  sources: number;
  /** Masks [n, N, h, w]; they sum to 1 over the N sources at every pixel. */
  masks: Float32Array;
  maskShape: [number, number, number, number];
  /** The mixed batch as the model sees it: normalised float [n, c, h, w]. */
  mixed: Float32Array;
  mixedShape: [number, number, number, number];
  /** The mixed batch back in pixel units, uint8 [n, h, w, c]. */
  mixedImages: Uint8Array;
  imageShape: BatchShape;
  /** Label weight λ_i of source i (the methods weight labels by λ, not by mask area). */
  lambdas: number[];
  /** Source i of output image b is input image permutations[i][b]. */
  permutations: number[][];
}

/**
 * The native side of a checkpoint: parameters and buffers (state() names), the optimizer's state
 * under `optimizer.<group>.<index>.<what>`, the seeded random generator's state, and counters
 * (`step` and the method's own, such as AdAutoMix's `adversarial_counter`).
 */
export interface NativeCheckpoint {
  tensors: TensorRecord;
  rng: Uint8Array;
  counters: Record<string, number>;
}

export interface NativeTrainer {
  init(): Promise<NativeInitInfo>;
  trainStep(images: Uint8Array, labels: Int32Array, shape: BatchShape, forced?: ForcedDraws): Promise<NativeStepResult>;
  evaluate(images: Uint8Array, labels: Int32Array, shape: BatchShape): Promise<NativeEvalResult>;
  /** Parameters and buffers (BN statistics) by module path, copied to float32. */
  state(): Promise<TensorRecord>;
  /** Replaces every parameter and buffer (names and shapes as state() gives them). */
  loadState(tensors: TensorRecord): Promise<void>;
  /** Everything the run needs to continue exactly (see NativeCheckpoint). */
  checkpoint(): Promise<NativeCheckpoint>;
  /** Continues from a checkpoint of the same configuration; E_CHECKPOINT (nothing changed) when it does not fit. */
  restore(checkpoint: NativeCheckpoint): Promise<void>;
  loadPretrained(tensors: TensorRecord, skipClassifier: boolean): Promise<PretrainedReport>;
  forward(input: FloatTensor, withStages: boolean): Promise<NativeForwardResult>;
  /** ∂ Σ CE(head(input), labels) / ∂ input for a normalised [n, c, h, w] input, eval mode; changes nothing. */
  inputGradient(input: FloatTensor, labels: Int32Array, head: string): Promise<{ gradient: Float32Array; loss: number }>;
  /** The method's mixer on a batch (not vanilla, not ManifoldMix); no change to the training state. */
  mix(images: Uint8Array, shape: BatchShape, seed: number, forced?: ForcedDraws): Promise<NativeMixResult>;
  dispose(): Promise<void>;
}

export interface AugmentOptions {
  cropPadding: number;
  flip: boolean;
  mean: number[];
  std: number[];
  /** Training RandomResizedCrop (absent or null: off). */
  resizedCrop?: { size: number; scale: [number, number]; ratio: [number, number]; interpolation: 'bicubic' | 'bilinear' } | null;
  /** Training RandAugment after crop and flip (absent or null: off). */
  randAugment?: { ops: number; level: number; levelStd: number; totalLevel: number; fill: number[] } | null;
  /** Test view: resize the whole image to this square, then take the central evalCrop (0: off). */
  evalResize?: number;
  evalCrop?: number;
  evalInterpolation?: 'bicubic' | 'bilinear';
}

export interface BuildInfo {
  torchVersion: string;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  /** Built against a LibTorch with CUDA (its CUDA-only parts, e.g. cudaMemory, compiled in). */
  cudaBuild: boolean;
  /** CUDA graphs compiled in (a CUDA build, unless built with -DADX_CUDA_GRAPHS=OFF): speed.cudaGraphs can run. */
  cudaGraphs: boolean;
  /**
   * LibTorch's own intra-op thread count before adautomix sets one (Debian's LibTorch: half the
   * cores). A trainer uses its `threads` option instead, every core by default.
   */
  defaultThreads: number;
  /**
   * The cache of large CPU tensor blocks that replaces LibTorch's CPU allocator (see
   * native/core/cpu_block_cache.h); `ADX_CPU_CACHE_MB` bounds its idle bytes, 0 turns it off.
   */
  cpuBlockCache: {
    installed: boolean;
    idleLimitMB: number;
    idleMB: number;
    liveMB: number;
    /** Allocations served from idle blocks. */
    reused: number;
    /** Allocations that went to the system. */
    fresh: number;
  };
}

export interface NativeAddon {
  NativeTrainer: new (options: NativeTrainerOptions) => NativeTrainer;
  setErrorClass(ctor: typeof AdautomixError): void;
  buildInfo(): BuildInfo;
  listModels(): import('./models/zoo.js').ModelInfo[];
  /**
   * The CUDA caching allocator's counters of a device in MiB (E_DEVICE on a build without CUDA);
   * `resetPeak` starts a new peak after reading. For benchmarks: torch.cuda.max_memory_allocated's twin.
   */
  cudaMemory(deviceIndex: number, resetPeak?: boolean): { allocatedMB: number; peakMB: number; reservedMB: number };
  /**
   * The batch preparation on its own (synchronous, for small batches): uint8 NHWC in, normalised
   * float32 NCHW out; `train` adds the seeded random crop and flip.
   */
  augmentBatch(images: Uint8Array, shape: BatchShape, options: AugmentOptions, seed: number, train: boolean): Float32Array;
  /** One RandAugment operation (policy-list name) at a signed magnitude on every image: NCHW pixel values. */
  randAugmentOp(images: Uint8Array, shape: BatchShape, op: string, magnitude: number, fill: number[]): Float32Array;
  /** The RandomResizedCrop boxes [top, left, height, width] a training batch draws first with `seed`. */
  resizedCropBoxes(h: number, w: number, count: number, options: AugmentOptions, seed: number): [number, number, number, number][];
  /** FMix's grey low-frequency image before binarisation, [h, w] row-major in [0, 1] (for tests and plots). */
  fmixGrey(height: number, width: number, decay: number, seed: number): Float32Array;
  /**
   * PuzzleMix's grid labelling on its own: labels 0/1/2 per cell minimising Σ unary + Σ w·(Δlabel)²/4
   * (native/mix/classic/grid_labelling.h), with the energy of the result.
   */
  solveGridLabels(rows: number, cols: number, unary: Float64Array, weightDown: Float64Array, weightRight: Float64Array): { labels: Int32Array; energy: number };
}

/** The package root: both lib/ (tests) and dist/ (published) sit one level below it. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let cached: NativeAddon | undefined;

/** What the addon was built against and can reach (LibTorch version, CUDA, threads, the CPU block cache). */
export function buildInfo(): BuildInfo {
  return loadNative().buildInfo();
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = nodeGypBuild(packageRoot);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /libtorch|libc10|libtorch_cpu/i.test(reason)
      ? 'LibTorch could not be loaded: install it (Debian: apt-get install libtorch-dev) or rebuild against yours.'
      : 'Build it: `npm rebuild adautomix` where it is a dependency, `npm run build:native` in a checkout (needs LibTorch, cmake and g++; see README "Building").';
    throw new AdautomixError(`the native addon failed to load. ${hint}`, 'E_NATIVE', reason, {
      cause: error,
    });
  }
  addon.setErrorClass(AdautomixError);
  cached = addon;
  return addon;
}
