/** The training configuration a user writes (every field optional) and its resolved form. */

/** The classic mixup family (ALGORITHMS.md §3; docs/methods.md). */
export type ClassicMethodName =
  | 'mixup' | 'cutmix' | 'manifoldmix' | 'fmix' | 'resizemix' | 'saliencymix' | 'gridmix' | 'smoothmix' | 'snapmix' | 'puzzlemix' | 'attentivemix';
/** 'classic' trains with a list of classic methods, one picked per iteration (`modes`). */
export type MethodName = 'vanilla' | 'automix' | 'adautomix' | 'classic' | ClassicMethodName;
export type UpsampleMode = 'nearest' | 'bilinear' | 'bicubic' | 'random';

/**
 * Options of the learned-mixing methods (AutoMix, AdAutoMix). Every default follows the official
 * CIFAR-100 ResNet-18 config of the method (ALGORITHMS.md §1.2, §2.4); see docs/methods.md.
 */
export interface LearnedMixConfig {
  /** Mask upsampling from the feature grid to the image ('random': pick one once, as AdAutoMix's 'None'). AdAutoMix 'bilinear', AutoMix 'nearest'. */
  upsample?: UpsampleMode;
  /** Append λ as a constant feature channel to the generator's input (the ImageNet configs). Default false. */
  lamConcat?: boolean;
  /** The classifier sees plain linear mixup when λ₁ (or 1−λ₁) is within this margin. AdAutoMix 0.03, AutoMix 0.08; ≤ 0 disables. */
  lamMargin?: number;
  /** Permutations without fixed points (an image is never mixed with itself). Default false. */
  noRepeatShuffle?: boolean;
  /** > 0: the generator branch runs only with this probability per step (the original's switch_off). Default 0 (always runs). */
  switchOff?: number;
  /** The exact-math speed-ups of DECISIONS.md (same numbers, less work). Default true. */
  exactFastPath?: boolean;
  /**
   * EMA teacher momentum schedule: m from `start` to `end` by a cosine over the `scope` fraction of
   * training. `updateInterval` k averages only after every k-th iteration (the ViT configs' EMA
   * interval, which follows their gradient accumulation). Default 1.
   */
  ema?: { start?: number; end?: number; scope?: [number, number]; warmup?: 'constant' | 'linear'; updateInterval?: number };
  /** The generator's own SGD group; every field defaults to the main optimizer's. */
  generator?: { lr?: number; minLr?: number; momentum?: number; weightDecay?: number; nesterov?: boolean };
  /** AdAutoMix: 'batchnorm' puts BN after the generator's query/key convs (the original's att_norm_cfg, ImageNet ResNet-50 config). Default 'none'. */
  attentionNorm?: 'none' | 'batchnorm';
  /** AdAutoMix: number of images mixed, N. Default 3. */
  mixSamples?: number;
  /** AdAutoMix: draw N uniformly from 2..mixSamples every step. Default false. */
  randomSamples?: boolean;
  /** AdAutoMix ρ: weight of linear N-way mixup against the clean loss (N ≥ 3). Default 0.5. */
  mixupRatio?: number;
  /** AdAutoMix β: weight of the adversarial term against the cosine term. Default 0.3. */
  betaRatio?: number;
  /** AdAutoMix: the generator is adversarial every advInterval-th step. Default 2. */
  advInterval?: number;
  /** AdAutoMix cosine term: 'official' adds +(1−β)·cos; 'similarity' adds (1−β)·(1−cos). */
  cosineMode?: 'official' | 'similarity';
  /** AdAutoMix N ≥ 3 lamMargin comparison: the official code's or OpenMixup's port (ALGORITHMS.md §1.6). */
  lamMarginRule?: 'official' | 'openmixup';
  /** AdAutoMix N-way λ: sum-normalised Beta(α,α) draws (official) or a Dirichlet(α…α). */
  lambdaSampler?: 'beta-normalised' | 'dirichlet';
  /** AutoMix mask loss: weight 0.1, mode 'L1', margin 0.1, schedule 'constant' (or 'cosine' to 0). */
  maskLoss?: { weight?: number; mode?: 'L1' | 'L2' | 'L1+Variance' | 'L2+Variance'; margin?: number; schedule?: 'constant' | 'cosine' };
}

/** Options of one classic method; at the method level for a single method, or per entry of `modes`. */
export interface ClassicModeConfig {
  name: ClassicMethodName;
  /** Beta(α, α) of λ (ResizeMix: of the box scale). Default per method: mixup 1, cutmix 0.2, manifoldmix 2, fmix 0.2, resizemix 1, saliencymix 0.2, gridmix 0.2, smoothmix 0.2, snapmix 1, puzzlemix 1, attentivemix 2. */
  alpha?: number;
  /** In `modes`: the chance of this mode per iteration (default: equal shares; normalised to sum 1). */
  probability?: number;
  /** FMix: decay power of the mask's spectrum (default 3). */
  fmixDecay?: number;
  /** SmoothMix: label weight of the original: 'openmixup' (mean of the Gaussian, as the original) or 'share' (1 − that, the fix). */
  smoothmixLabel?: 'openmixup' | 'share';
  /** ManifoldMix: the layer is drawn from first..last; 0 = the input, k = after stage k. Default [0, 2]. */
  manifoldLayers?: [number, number];
  /** ResizeMix: the range the box scale is kept in. Default [0.1, 0.8]. */
  resizeScale?: [number, number];
  /** SnapMix: 'batch-mean' (OpenMixup: the batch means of the CAM weights) or 'per-sample' (each sample's own, the fix). */
  snapmixLabel?: 'batch-mean' | 'per-sample';
  /** PuzzleMix's settings; defaults are OpenMixup's CIFAR ones (see docs/classic-methods.md). */
  puzzle?: Partial<PuzzleConfig>;
  /** AttentiveMix's frozen attention network (required for attentivemix). */
  attentive?: Partial<AttentiveConfig>;
}

export interface AttentiveConfig {
  /** A torchvision resnet18 state dict (ImageNet-pretrained) saved as safetensors; see docs/models.md. */
  pretrained: string;
  /** λ ~ Beta(α, beta): null takes α (OpenMixup's code); 8 is the paper's setting. Default null. */
  beta: number | null;
}

export interface PuzzleConfig {
  /** Grids of n = 2^k blocks per side, k ~ U{1..blockNum−1} (only those that divide the image). Default 5. */
  blockNum: number;
  /** Smoothness of the labelling (divided by n·16). Default 1.2. */
  beta: number;
  /** Weight of the image differences at block borders. Default 0.5. */
  gamma: number;
  /** Weight of the λ prior. Default 0.2. */
  eta: number;
  /** Pixels averaged for the border differences. Default 4. */
  neighbourSize: number;
  /** Move salient blocks under the mask. Default true. */
  transport: boolean;
  /** Weight of the move distance in the transport cost. Default 0.8. */
  transportEps: number;
  /** Transport block side in pixels; -1: the labelling's blocks (OpenMixup's Tiny-ImageNet/ImageNet setting). Default 4. */
  transportSize: number;
}

export interface MethodConfig extends LearnedMixConfig, Omit<Partial<ClassicModeConfig>, 'name' | 'probability'> {
  name?: MethodName;
  /** Beta(α, α) of the mixing ratio. AdAutoMix 1, AutoMix 2; the classic methods as in ClassicModeConfig. */
  alpha?: number;
  /** With name 'classic': the methods to pick from, one per iteration. */
  modes?: ClassicModeConfig[];
}

export interface ResolvedClassicMode {
  name: ClassicMethodName;
  alpha: number;
  probability: number;
  fmixDecay: number;
  smoothmixLabel: 'openmixup' | 'share';
  manifoldLayers: [number, number];
  resizeScale: [number, number];
  snapmixLabel: 'batch-mean' | 'per-sample';
  puzzle: PuzzleConfig;
  /** null unless name is 'attentivemix'. */
  attentive: AttentiveConfig | null;
}

export interface ResolvedLearnedMix {
  upsample: UpsampleMode;
  lamConcat: boolean;
  lamMargin: number;
  noRepeatShuffle: boolean;
  switchOff: number;
  exactFastPath: boolean;
  ema: { start: number; end: number; scope: [number, number]; warmup: 'constant' | 'linear'; updateInterval: number };
  attentionNorm: 'none' | 'batchnorm';
  generator: { lr: number; minLr: number; momentum: number; weightDecay: number; nesterov: boolean };
  mixSamples: number;
  randomSamples: boolean;
  mixupRatio: number;
  betaRatio: number;
  advInterval: number;
  cosineMode: 'official' | 'similarity';
  lamMarginRule: 'official' | 'openmixup';
  lambdaSampler: 'beta-normalised' | 'dirichlet';
  maskLoss: { weight: number; mode: 'L1' | 'L2' | 'L1+Variance' | 'L2+Variance'; margin: number; schedule: 'constant' | 'cosine' };
}
export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'tiny-imagenet' | 'image-folder' | 'image-list';
export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * Speed options (README "Speed options"): how a step is computed, not what it trains; each
 * defaults to off but multiTensor. The CUDA-only ones are ignored on the CPU (the trainer's `info.speed` says
 * which are in effect).
 */
export interface SpeedConfig {
  /**
   * 'bf16': the forward passes run under bfloat16 autocast (convolutions, matmuls and linear
   * layers in bf16); the mask generators' attention logits and softmaxes, the masks and the
   * losses stay fp32 (DECISIONS.md). Default 'fp32'. Works on the CPU too (slowly without
   * native bf16 instructions).
   */
  precision?: 'fp32' | 'bf16';
  /** Weights and input batches in NHWC (channels-last) memory order; pays with cuDNN and bf16. */
  channelsLast?: boolean;
  /** CUDA: cuDNN times the convolution algorithms for each new shape and keeps the fastest (process-wide). */
  cudnnBenchmark?: boolean;
  /** CUDA: batches are staged in page-locked host memory and copied to the GPU asynchronously. */
  pinnedMemory?: boolean;
  /** CUDA: the uint8 batch goes to the GPU as it is, and the random crop and flip run there. */
  deviceAugment?: boolean;
  /**
   * The optimizer step (SGD, AdamW), the gradient clipping and the EMA teacher's update as
   * multi-tensor list operations, with no host-device synchronisation: a few kernels per step
   * instead of several per parameter on CUDA; on the CPU the same arithmetic in the same order
   * (bitwise LibTorch's). Default true; false runs LibTorch's per-parameter loops.
   */
  multiTensor?: boolean;
  /**
   * CUDA: the forward and backward passes of a step are captured once per step structure as a
   * CUDA graph and replayed (one launch instead of thousands). Vanilla, AutoMix and AdAutoMix;
   * the classic methods, `optimizer.accumulate` > 1 and stochastic depth run eagerly (the option
   * is then off in `info.speed`). Each step's `graph` says how it ran. Default false; 'fast' sets it.
   */
  cudaGraphs?: boolean;
  /**
   * true: precision and channelsLast apply on CUDA only and stay off on the CPU (bf16 is slow on
   * CPUs without bf16 instructions, channels-last did not pay on ours at full width); the other
   * CUDA options are off on the CPU anyway, and multiTensor stays as set. 'fast' sets it. Default false.
   */
  gpuOnly?: boolean;
  /**
   * CUDA, Ampere and newer: where fp32 work may run as TensorFloat-32 (inputs rounded to a 10-bit
   * mantissa, fp32 accumulation). 'convolutions' (default, LibTorch's and PyTorch's own default):
   * cuDNN convolutions only; 'all': matmuls and linear layers too; 'off': IEEE fp32 everywhere
   * (what the parity tests use on CUDA). Process-wide: the last trainer created on a GPU sets it.
   */
  tf32?: 'off' | 'convolutions' | 'all';
}
/** Names of the model zoo (`adautomix models` lists them with their defaults). */
export type ModelArch =
  | 'resnet18_cifar' | 'resnet34_cifar' | 'resnet50_cifar' | 'resnet101_cifar' | 'resnext50_32x4d_cifar'
  | 'resnet18' | 'resnet34' | 'resnet50' | 'resnet101' | 'resnext50_32x4d'
  | 'preactresnet18' | 'preactresnet34' | 'wrn28_8' | 'swin_t' | 'convnext_tiny' | 'convnext_tiny_cifar';

export interface TrainConfig {
  /** Start from a named preset (see `presets`); fields given here override it. */
  preset?: string;
  dataset?: {
    /**
     * 'fashion-mnist' (default), 'mnist' (IDX files), 'cifar10', 'cifar100', 'tiny-imagenet' (as distributed),
     * 'image-folder' (DIR/train/<class>/..., DIR/val/<class>/...) or 'image-list' (`path label`
     * lines: trainList, testList, paths relative to imageRoot).
     */
    name?: DatasetName;
    /**
     * The dataset's folder. Fashion-MNIST: the IDX files; default /usr/share/datasets/fashion-mnist
     * (Debian's package). CIFAR: the extracted binary or Python version, or the folder holding it;
     * required.
     */
    dir?: string;
    /** Image datasets: the side every image is stored at (shorter side resized, central square kept); default 64 for Tiny-ImageNet, 256 otherwise. */
    imageSize?: number;
    /** image-list: the lists, relative to dir (default 'meta/train.txt', 'meta/test.txt'), and the folder their paths start from (default 'images'). */
    trainList?: string;
    testList?: string;
    imageRoot?: string;
    /** Image datasets: decoded images are held in memory up to this many MiB (test split first); the rest is decoded per batch. 0: always per batch. Default: a quarter of the RAM. */
    cacheBudgetMB?: number;
    /** Image datasets: files decoded at once; default: the number of cores. */
    decodeConcurrency?: number;
    /** Use only the first N training samples (quick experiments, tests). */
    trainLimit?: number;
    /** Use only the first N test samples (of the validation split, with `validation`). */
    testLimit?: number;
    /**
     * Hold out this share of each class of the training split, in (0, 0.9], and evaluate on it in
     * place of the test split (which is then left alone until `adautomix eval --split test`).
     * Needed for a class-folder dataset without val/ or test/. Default: none. The limits apply
     * after the split.
     */
    validation?: number;
    /** The held-out images are drawn with this seed, not the run's, so runs with other seeds share the split. Default 0. */
    validationSeed?: number;
  };
  model?: {
    arch?: ModelArch;
    /**
     * Width of the first stage; later stages are 2×, 4×, 8×. Default: the architecture's own
     * (64 for ResNets/ResNeXt, whose Bottleneck stages output 4× that; 128 for WRN-28-8; 96 for
     * Swin-T and ConvNeXt-T). Swin needs a multiple of 32.
     */
    baseWidth?: number;
    /** Image size the model is laid out for; only Swin uses it (window sizes). Default: the data's. */
    imageSize?: number;
    /** Stochastic-depth rate of the last block (Swin, ConvNeXt); default 0.2 for Swin-T, 0.1 for ConvNeXt-T. */
    dropPath?: number;
    /** Start from these weights: a torchvision state dict saved as safetensors, or a run's weights.safetensors (its EMA network for AutoMix/AdAutoMix; docs/models.md). */
    pretrained?: string;
    /** With `pretrained`: leave the classifier at its fresh initialisation (fine-tuning on other classes). */
    skipClassifier?: boolean;
  };
  /** Training method; a string is shorthand for { name }. */
  method?: MethodName | MethodConfig;
  optimizer?: {
    /** 'sgd' (SGD with momentum, default) or 'adamw' (decoupled weight decay; the ViT/ConvNeXt configs). */
    name?: 'sgd' | 'adamw';
    /** Base learning rate; default 0.1 for SGD, 5e-4 for AdamW. */
    lr?: number;
    /** Floor of the cosine schedule. */
    minLr?: number;
    /** SGD momentum. */
    momentum?: number;
    /** Default 1e-4 for SGD, 0.05 for AdamW. */
    weightDecay?: number;
    /** SGD Nesterov momentum. */
    nesterov?: boolean;
    /** AdamW's (β₁, β₂); default [0.9, 0.999]. */
    betas?: [number, number];
    /** AdamW's ε; default 1e-8. */
    eps?: number;
    /** No weight decay on 1-D parameters (biases, norm weights, layer scales) and position tables; default true for AdamW, false for SGD. */
    noDecayOnNormBias?: boolean;
    /** Cosine steps once per epoch (OpenMixup's default) or every iteration. */
    lrStepping?: 'epoch' | 'iteration';
    /** Linear warm-up over this many epochs (counted in iterations), from warmupRatio·lr; default 0. */
    warmupEpochs?: number;
    /** The warm-up's starting share of the learning rate; default 1e-5. */
    warmupRatio?: number;
    /** > 0: clip the global gradient L2 norm to this before every step (the ViT configs use 10); default 0 (off). */
    gradClip?: number;
    /** Sum the gradients of this many iterations (averaged) per optimizer step; default 1. */
    accumulate?: number;
  };
  augment?: {
    /** Random crop after reflect padding by this many pixels; 0 disables the crop. */
    cropPadding?: number;
    /**
     * RandomResizedCrop to `size`×`size` instead (torchvision's sampling): area share in `scale`
     * (default [0.08, 1]), aspect log-uniform in `ratio` (default [3/4, 4/3]), 'bicubic' (default)
     * or 'bilinear'. The test view must come out the same size (evalResize / evalCrop).
     */
    resizedCrop?: { size: number; scale?: [number, number]; ratio?: [number, number]; interpolation?: 'bicubic' | 'bilinear' };
    /**
     * RandAugment after the crop and flip, with the FixMatch policy list (14 operations):
     * `ops` per image (default 2), magnitude `level` (default 7) jittered by `levelStd` (0.5) out
     * of `totalLevel` (10), geometric fill `fill` (default [114, 123, 125]). `true`: all defaults.
     */
    randAugment?: boolean | { ops?: number; level?: number; levelStd?: number; totalLevel?: number; fill?: number[] };
    /** Test view: resize the whole image to this square (0: as stored). */
    evalResize?: number;
    /** Test view: then its central crop of this side (0: none). */
    evalCrop?: number;
    /** The test resize's interpolation; default 'bicubic'. */
    evalInterpolation?: 'bicubic' | 'bilinear';
    flip?: boolean;
    /** Per-channel normalisation in [0,1] pixel units; defaults come from the dataset. */
    mean?: number[];
    std?: number[];
  };
  epochs?: number;
  batchSize?: number;
  evalBatchSize?: number;
  seed?: number;
  /** Intra-op CPU threads; default: every available core. */
  threads?: number;
  device?: DeviceRequest;
  /** Speed options, or 'fast' for all of them (see SpeedConfig). */
  speed?: SpeedConfig | 'fast';
  /** What a NaN/Inf loss does: throw E_NAN (default) or skip that step and count it. */
  nanPolicy?: 'error' | 'skip-step';
  /** The CLI's run logs: a metrics.jsonl step line every `everySteps` steps (0: epochs only; default 50), and TensorBoard event files (default true). */
  log?: { everySteps?: number; tensorboard?: boolean };
  /**
   * Checkpoints of a run (the CLI's run folder, or fit({ checkpoints })): one every `every`
   * epochs (0: only at the end and when interrupted; default 1), the last `keep` kept (default 2).
   * `best` (default true): the CLI's run folder also keeps best.safetensors, the weights of the
   * epoch with the highest top-1 of the reported head on the evaluated split (fit({ bestWeights })).
   */
  checkpoint?: { every?: number; keep?: number; best?: boolean };
}

export interface ResolvedModel {
  arch: ModelArch;
  baseWidth: number;
  /** null: the training images' size. */
  imageSize: number | null;
  dropPath: number;
  pretrained: string | null;
  skipClassifier: boolean;
}

export interface ResolvedConfig {
  preset: string | null;
  dataset: {
    name: DatasetName;
    dir: string;
    trainLimit: number | null;
    testLimit: number | null;
    /** The validation split held out of the training split and evaluated in place of the test split; null: none. */
    validation: { share: number; seed: number } | null;
    /** The image datasets' settings (null for the array datasets). */
    images: { imageSize: number; trainList: string; testList: string; imageRoot: string; cacheBudgetMB: number; decodeConcurrency: number } | null;
  };
  model: ResolvedModel;
  /** `learned`: AutoMix/AdAutoMix only; `modes`: the classic methods only (one entry for a single method). */
  method: { name: MethodName; alpha: number; learned: ResolvedLearnedMix | null; modes: ResolvedClassicMode[] | null };
  optimizer: {
    name: 'sgd' | 'adamw';
    lr: number;
    minLr: number;
    momentum: number;
    weightDecay: number;
    nesterov: boolean;
    betas: [number, number];
    eps: number;
    noDecayOnNormBias: boolean;
    lrStepping: 'epoch' | 'iteration';
    warmupEpochs: number;
    warmupRatio: number;
    gradClip: number;
    accumulate: number;
  };
  augment: {
    cropPadding: number;
    resizedCrop: { size: number; scale: [number, number]; ratio: [number, number]; interpolation: 'bicubic' | 'bilinear' } | null;
    /** fill null: [114, 123, 125] for 3 channels, their mean otherwise. */
    randAugment: { ops: number; level: number; levelStd: number; totalLevel: number; fill: number[] | null } | null;
    evalResize: number;
    evalCrop: number;
    evalInterpolation: 'bicubic' | 'bilinear';
    flip: boolean;
    mean: number[] | null;
    std: number[] | null;
  };
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  seed: number;
  threads: number;
  device: DeviceRequest;
  speed: Required<SpeedConfig>;
  nanPolicy: 'error' | 'skip-step';
  checkpoint: { every: number; keep: number; best: boolean };
  log: { everySteps: number; tensorboard: boolean };
}
