/**
 * The papers' figure of a learned mixer at work: one column per output image; rows are the N
 * sources x[π_i], the N masks (white = weight 1) and the mixed image. Returns a PNG.
 */
import type { MixResult } from '../mix/mixer.js';
import { encodePng } from './png.js';

const GAP = 2;

export function sampleGridPng(sourceImages: Uint8Array, r: MixResult, columns: number): Buffer {
  const [n, h, w, c] = r.imageShape;
  const count = Math.min(columns, n);
  const scale = Math.max(1, Math.ceil(64 / Math.max(h, w)));
  const cellW = w * scale;
  const cellH = h * scale;
  const rows = 2 * r.sources + 1;
  const width = count * cellW + (count + 1) * GAP;
  const height = rows * cellH + (rows + 1) * GAP;
  const out = new Uint8Array(width * height * 3).fill(255);

  // Paints one cell from a per-pixel RGB reader.
  const paint = (row: number, col: number, rgb: (y: number, x: number, k: number) => number) => {
    const top = GAP + row * (cellH + GAP);
    const left = GAP + col * (cellW + GAP);
    for (let y = 0; y < cellH; y++) {
      for (let x = 0; x < cellW; x++) {
        const o = ((top + y) * width + left + x) * 3;
        for (let k = 0; k < 3; k++) out[o + k] = rgb(Math.floor(y / scale), Math.floor(x / scale), k);
      }
    }
  };
  const pixel = (images: Uint8Array, b: number, y: number, x: number, k: number) => images[((b * h + y) * w + x) * c + (c === 3 ? k : 0)]!;

  for (let col = 0; col < count; col++) {
    for (let i = 0; i < r.sources; i++) {
      const source = r.permutations[i]![col]!;
      paint(i, col, (y, x, k) => pixel(sourceImages, source, y, x, k));
      paint(r.sources + i, col, (y, x) => Math.round(255 * r.masks[((col * r.sources + i) * h + y) * w + x]!));
    }
    paint(2 * r.sources, col, (y, x, k) => pixel(r.mixedImages, col, y, x, k));
  }
  return encodePng(width, height, 3, out);
}
