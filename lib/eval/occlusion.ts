/**
 * Occlusion (ALGORITHMS.md §5.6): the image is cut into `patch`-sized squares (16 at 224², i.e. a
 * 14×14 grid; other sizes keep about 14 per side), round(cells·ratio) of them are drawn once per
 * batch without replacement, and set to 0 in normalised space (the dataset's mean colour) in every
 * image of the batch.
 */
import type { FloatTensor } from '../native.js';
import { Rng } from './corruptions.js';

export const defaultPatch = (size: number) => Math.max(1, Math.round(size / 14));

/** A copy of a normalised [n, c, h, w] batch with the drawn patches zeroed. */
export function occlude(input: FloatTensor, ratio: number, patch: number, rng: Rng): FloatTensor {
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const rows = Math.ceil(h / patch), cols = Math.ceil(w / patch);
  const cells = Array.from({ length: rows * cols }, (_, i) => i);
  const count = Math.round(cells.length * ratio);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.uniform() * (cells.length - i));
    [cells[i], cells[j]] = [cells[j]!, cells[i]!];
  }
  const values = input.values.slice();
  for (const cell of cells.slice(0, count)) {
    const y0 = Math.floor(cell / cols) * patch, x0 = (cell % cols) * patch;
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++)
        for (let y = y0; y < Math.min(h, y0 + patch); y++) values.fill(0, ((b * c + ch) * h + y) * w + x0, ((b * c + ch) * h + y) * w + Math.min(w, x0 + patch));
  }
  return { shape: input.shape, values };
}
