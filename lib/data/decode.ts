/**
 * Decoding image files (JPEG, PNG, WebP, ...) into one uint8 NHWC array with sharp, a bounded
 * number of files at a time. Every image is brought to one shape, by default size×size×3: scaled
 * (bicubic) until it covers the shape, then the central part kept (sharp's `fit: 'cover'`), so
 * that batches of any source images stack. An image already of the shape's size is only
 * converted, never resampled.
 */
import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { AdautomixError } from '../errors.js';

export interface ImageFile {
  path: string;
  label: number;
  /** Where the file was named (a list file and line), for error messages. */
  origin?: string;
}

export interface DecodeOptions {
  size: number;
  /** Files decoded at once; default: the number of cores. */
  concurrency?: number;
  /** The decoded bytes may not exceed this; default: a quarter of the machine's memory. */
  budgetBytes: number;
  /** Called now and then with the files done so far. */
  onProgress?: (done: number, total: number) => void;
}

const CHANNELS = 3;

/** The shape every decoded image is brought to: RGB, or grey for one channel. */
export interface DecodeTarget {
  height: number;
  width: number;
  channels: 1 | 3;
}

const square = (size: number): DecodeTarget => ({ height: size, width: size, channels: CHANNELS });

/** Bytes of `count` decoded images at size². */
export const decodedBytes = (count: number, size: number) => count * size * size * CHANNELS;

/** All files decoded into count × size × size × 3 bytes (E_DATA naming the file that fails). */
export async function decodeImages(files: readonly ImageFile[], options: DecodeOptions): Promise<Uint8Array> {
  const total = decodedBytes(files.length, options.size);
  if (total > options.budgetBytes) {
    throw new AdautomixError(
      `decoding ${files.length} images at ${options.size}x${options.size} needs ${(total / 2 ** 20).toFixed(0)} MiB, above the in-memory budget of ` +
        `${(options.budgetBytes / 2 ** 20).toFixed(0)} MiB: raise dataset.cacheBudgetMB, or lower dataset.imageSize`,
      'E_DATA',
    );
  }
  const out = new Uint8Array(total);
  await decodeInto(files, square(options.size), out, options.concurrency ?? availableParallelism(), options.onProgress);
  options.onProgress?.(files.length, files.length);
  return out;
}

/**
 * Images decoded when a batch asks for them, for a dataset larger than the memory budget. Each
 * read decodes its files with the same pool (the training steps in flight overlap with it).
 */
export class DecodedOnDemand {
  constructor(
    private readonly files: readonly ImageFile[],
    private readonly size: number,
    private readonly concurrency: number,
  ) {}

  async read(indices: readonly number[], into: Uint8Array): Promise<void> {
    await decodeInto(indices.map((i) => this.files[i]!), square(this.size), into, this.concurrency);
  }
}

/** A few files (a prediction's) decoded to `target`: count × height × width × channels bytes. */
export async function decodeFiles(paths: readonly string[], target: DecodeTarget): Promise<Uint8Array> {
  const out = new Uint8Array(paths.length * target.height * target.width * target.channels);
  await decodeInto(paths.map((path) => ({ path, label: 0 })), target, out, availableParallelism());
  return out;
}

/** Decodes files[i] into `into` at image slot i, `concurrency` files at a time. */
async function decodeInto(
  files: readonly ImageFile[],
  target: DecodeTarget,
  into: Uint8Array,
  concurrency: number,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const bytesPer = target.height * target.width * target.channels;
  const workers = Math.max(1, Math.min(concurrency, files.length));
  // Our pool runs `workers` decodes at once; each uses one libvips thread so they do not oversubscribe.
  const previous = sharp.concurrency();
  sharp.concurrency(1);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      into.set(await decodeOne(files[i]!, target), i * bytesPer);
      done += 1;
      if (done % 256 === 0) onProgress?.(done, files.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    sharp.concurrency(previous);
  }
}

async function decodeOne(file: ImageFile, target: DecodeTarget): Promise<Uint8Array> {
  const where = file.origin ? `${file.path} (${file.origin})` : file.path;
  try {
    await access(file.path);
    const image = sharp(file.path, { failOn: 'error' });
    const { width, height } = await image.metadata();
    const pipeline =
      width === target.width && height === target.height
        ? image
        : image.resize(target.width, target.height, { fit: 'cover', position: 'centre', kernel: 'cubic' });
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace(target.channels === 1 ? 'b-w' : 'srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== target.channels || info.width !== target.width || info.height !== target.height) {
      throw new Error(
        `decoded to ${info.width}x${info.height}x${info.channels}, expected ${target.width}x${target.height}x${target.channels}`,
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (error as Error).message;
    throw new AdautomixError(`cannot decode the image ${where}: ${reason}`, 'E_DATA', undefined, { cause: error });
  }
}
