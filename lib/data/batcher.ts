/**
 * Gathers samples into reusable batch buffers. A small ring of buffers lets batch k+1 be filled
 * while the native side still reads batch k (a buffer is never refilled while a step uses it).
 */
import type { BatchShape } from '../native.js';
import type { ImageDataset } from './dataset.js';

export interface Batch {
  images: Uint8Array;
  labels: Int32Array;
  shape: BatchShape;
}

export class BatchRing {
  /** Allocated when first used, so that a trainer that never trains (a classifier's) holds none. */
  private readonly slots: ({ images: Uint8Array; labels: Int32Array } | undefined)[];
  private next = 0;
  private readonly pixels: number;

  constructor(private readonly dataset: ImageDataset, readonly batchSize: number, slots: number) {
    this.pixels = dataset.height * dataset.width * dataset.channels;
    this.slots = new Array<undefined>(slots).fill(undefined);
  }

  /** Fills the next slot with the samples order[start .. start+n) (in memory: synchronously). */
  gather(order: ArrayLike<number>, start: number, n: number): Batch {
    const slot = this.nextSlot();
    const { images, labels } = this.dataset;
    const p = this.pixels;
    for (let i = 0; i < n; i++) {
      const index = order[start + i]!;
      slot.images.set(images.subarray(index * p, (index + 1) * p), i * p);
      slot.labels[i] = labels[index]!;
    }
    return this.view(slot, n);
  }

  /** gather() for any dataset: a lazy one reads (decodes) the samples into the slot. */
  async fetch(order: ArrayLike<number>, start: number, n: number): Promise<Batch> {
    const lazy = this.dataset.lazy;
    if (!lazy) return this.gather(order, start, n);
    const slot = this.nextSlot();
    const indices = Array.from({ length: n }, (_, i) => order[start + i]!);
    await lazy.read(indices, slot.images);
    indices.forEach((index, i) => (slot.labels[i] = this.dataset.labels[index]!));
    return this.view(slot, n);
  }

  /** Fills the next slot with the consecutive samples start .. start+n (evaluation order), in memory. */
  gatherRange(start: number, n: number): Batch {
    const slot = this.nextSlot();
    const p = this.pixels;
    slot.images.set(this.dataset.images.subarray(start * p, (start + n) * p));
    slot.labels.set(this.dataset.labels.subarray(start, start + n));
    return this.view(slot, n);
  }

  /** gatherRange() for any dataset. */
  async fetchRange(start: number, n: number): Promise<Batch> {
    if (!this.dataset.lazy) return this.gatherRange(start, n);
    return this.fetch(Array.from({ length: n }, (_, i) => start + i), 0, n);
  }

  private nextSlot(): { images: Uint8Array; labels: Int32Array } {
    const slot = (this.slots[this.next] ??= { images: new Uint8Array(this.batchSize * this.pixels), labels: new Int32Array(this.batchSize) });
    this.next = (this.next + 1) % this.slots.length;
    return slot;
  }

  private view(slot: { images: Uint8Array; labels: Int32Array }, n: number): Batch {
    const p = this.pixels;
    const d = this.dataset;
    return {
      images: n === this.batchSize ? slot.images : slot.images.subarray(0, n * p),
      labels: n === this.batchSize ? slot.labels : slot.labels.subarray(0, n),
      shape: [n, d.height, d.width, d.channels],
    };
  }
}
