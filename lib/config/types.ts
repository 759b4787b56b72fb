/** The training configuration a user writes (every field optional) and its resolved form. */

export type MethodName = 'vanilla' | 'mixup';
export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;
export type ModelArch = 'resnet18_cifar' | 'resnet34_cifar' | 'resnet18' | 'resnet34';

export interface TrainConfig {
  /** Start from a named preset (see `presets`); fields given here override it. */
  preset?: string;
  dataset?: {
    /** Only 'fashion-mnist' in this version. */
    name?: 'fashion-mnist';
    /** Folder with the IDX files; default /usr/share/datasets/fashion-mnist (Debian's package). */
    dir?: string;
    /** Use only the first N training samples (quick experiments, tests). */
    trainLimit?: number;
    /** Use only the first N test samples. */
    testLimit?: number;
  };
  model?: {
    arch?: ModelArch;
    /** Width of the first stage; later stages are 2×, 4×, 8× (64 is the standard ResNet). */
    baseWidth?: number;
  };
  /** Training method; a string is shorthand for { name }. */
  method?: MethodName | { name?: MethodName; alpha?: number };
  optimizer?: {
    lr?: number;
    /** Floor of the cosine schedule. */
    minLr?: number;
    momentum?: number;
    weightDecay?: number;
    nesterov?: boolean;
    /** Cosine steps once per epoch (OpenMixup's default) or every iteration. */
    lrStepping?: 'epoch' | 'iteration';
  };
  augment?: {
    /** Random crop after reflect padding by this many pixels; 0 disables the crop. */
    cropPadding?: number;
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
  /** What a NaN/Inf loss does: throw E_NAN (default) or skip that step and count it. */
  nanPolicy?: 'error' | 'skip-step';
}

export interface ResolvedConfig {
  preset: string | null;
  dataset: { name: 'fashion-mnist'; dir: string; trainLimit: number | null; testLimit: number | null };
  model: { arch: ModelArch; baseWidth: number };
  method: { name: MethodName; alpha: number };
  optimizer: {
    lr: number;
    minLr: number;
    momentum: number;
    weightDecay: number;
    nesterov: boolean;
    lrStepping: 'epoch' | 'iteration';
  };
  augment: { cropPadding: number; flip: boolean; mean: number[] | null; std: number[] | null };
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  seed: number;
  threads: number;
  device: DeviceRequest;
  nanPolicy: 'error' | 'skip-step';
}
