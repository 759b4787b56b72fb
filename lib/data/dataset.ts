/** Images read on demand (a dataset too large for memory): fills `into` with samples `indices`, NHWC. */
export interface LazyImages {
  read(indices: readonly number[], into: Uint8Array): Promise<void>;
}

/** An image classification dataset: uint8 images in NHWC order and int32 labels. */
export interface ImageDataset {
  /** count × height × width × channels bytes; empty when `lazy` holds the images instead. */
  readonly images: Uint8Array;
  /** Set for a dataset decoded batch by batch rather than held in memory. */
  readonly lazy?: LazyImages;
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** Human-readable origin, for messages and reports. */
  readonly source: string;
}

export interface DatasetSplits {
  train: ImageDataset;
  test: ImageDataset;
  classNames?: string[];
  /** Per-channel mean and std of the training images in [0,1] units: the default normalisation. */
  stats: { mean: number[]; std: number[] };
}

/** The first `limit` samples of a dataset, sharing its memory. */
export function takeFirst(dataset: ImageDataset, limit: number | undefined): ImageDataset {
  if (limit === undefined || limit >= dataset.count) return dataset;
  const pixels = dataset.height * dataset.width * dataset.channels;
  return {
    ...dataset,
    images: dataset.lazy ? dataset.images : dataset.images.subarray(0, limit * pixels),
    labels: dataset.labels.subarray(0, limit),
    count: limit,
  };
}

/** Samples start .. start+n as NHWC bytes: a view of an in-memory dataset, or read for a lazy one. */
export async function readSamples(dataset: ImageDataset, start: number, n: number): Promise<Uint8Array> {
  const pixels = dataset.height * dataset.width * dataset.channels;
  if (!dataset.lazy) return dataset.images.subarray(start * pixels, (start + n) * pixels);
  const out = new Uint8Array(n * pixels);
  await dataset.lazy.read(Array.from({ length: n }, (_, i) => start + i), out);
  return out;
}
