/** An in-memory image classification dataset: uint8 images in NHWC order and int32 labels. */
export interface ImageDataset {
  /** count × height × width × channels bytes. */
  readonly images: Uint8Array;
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
    images: dataset.images.subarray(0, limit * pixels),
    labels: dataset.labels.subarray(0, limit),
    count: limit,
  };
}
