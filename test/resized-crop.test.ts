/**
 * RandomResizedCrop and the test-time resize + centre crop (native/data/resized_crop.cc) against
 * independent computations: the boxes keep torchvision's area and aspect bounds (and its
 * fallback, in closed form); every output sample equals a bicubic resize of its box, computed
 * here in JavaScript with PyTorch's kernel (a = −0.75, align_corners = false), mirrored or not.
 */
import { describe, expect, it } from 'vitest';
import { loadNative, type AugmentOptions, type BatchShape } from '../lib/native.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, tinyConfig } from './helpers.js';

const { augmentBatch, resizedCropBoxes } = loadNative();
const shape: BatchShape = [24, 12, 10, 2];
const [n, h, w, c] = shape;
const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => (i * 53 + ((i * i) % 13) * 7) % 256);
const mean = [0.45, 0.5];
const std = [0.22, 0.3];
const base: AugmentOptions = { cropPadding: 0, flip: false, mean, std };
const crop = (size: number, scale: [number, number], ratio: [number, number]) =>
  ({ size, scale, ratio, interpolation: 'bicubic' as const });

/** Sample b's channel ch, normalised, as a row-major h×w array. */
function plane(b: number, ch: number): Float64Array {
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (images[((b * h + y) * w + x) * c + ch]! / 255 - mean[ch]!) / std[ch]!;
  return out;
}

const A = -0.75;
const cubic1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
const cubic2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
const weights = (t: number) => [cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)];

/** PyTorch's bicubic resize (align_corners = false) of the box [top, left, bh, bw] of a plane to size×size. */
function bicubic(src: Float64Array, stride: number, box: number[], size: number): Float64Array {
  const [top, left, bh, bw] = box as [number, number, number, number];
  const at = (y: number, x: number) => src[(top + Math.min(Math.max(y, 0), bh - 1)) * stride + left + Math.min(Math.max(x, 0), bw - 1)]!;
  const out = new Float64Array(size * size);
  for (let oy = 0; oy < size; oy++) {
    const ry = (oy + 0.5) * (bh / size) - 0.5;
    const iy = Math.floor(ry);
    const wy = weights(ry - iy);
    for (let ox = 0; ox < size; ox++) {
      const rx = (ox + 0.5) * (bw / size) - 0.5;
      const ix = Math.floor(rx);
      const wx = weights(rx - ix);
      let v = 0;
      for (let j = 0; j < 4; j++) {
        let row = 0;
        for (let i = 0; i < 4; i++) row += wx[i]! * at(iy - 1 + j, ix - 1 + i);
        v += wy[j]! * row;
      }
      out[oy * size + ox] = v;
    }
  }
  return out;
}

describe('RandomResizedCrop and the test view', () => {
  it('boxes stay inside the image with area and aspect in range, and spread over them', () => {
    // A square image and areas ≤ 50%: every draw fits, so the aspect stays unbiased by retries.
    const [H, W] = [50, 50];
    const [lo, hi] = [0.1, 0.5];
    const boxes = resizedCropBoxes(H, W, 2000, { ...base, resizedCrop: crop(16, [lo, hi], [0.5, 2]) }, 3);
    let logAspect = 0;
    const tops = new Set<number>();
    for (const [top, left, bh, bw] of boxes) {
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left).toBeGreaterThanOrEqual(0);
      expect(top + bh).toBeLessThanOrEqual(H);
      expect(left + bw).toBeLessThanOrEqual(W);
      // Sides are rounded, so area and aspect carry half a pixel of slack per side.
      expect((bh + 0.5) * (bw + 0.5)).toBeGreaterThanOrEqual(lo * H * W);
      expect((bh - 0.5) * (bw - 0.5)).toBeLessThanOrEqual(hi * H * W);
      expect((bw + 0.5) / (bh - 0.5)).toBeGreaterThanOrEqual(0.5);
      expect((bw - 0.5) / (bh + 0.5)).toBeLessThanOrEqual(2);
      logAspect += Math.log(bw / bh);
      tops.add(top);
    }
    // log(aspect) is uniform on [log 0.5, log 2]: mean 0.
    expect(Math.abs(logAspect / boxes.length)).toBeLessThan(0.05);
    expect(tops.size).toBeGreaterThan(15);
  });

  it('falls back to the central crop clamped to the ratio range when no draw fits', () => {
    // A 10×100 strip, ratio ≤ 4/3 and ≥ 90% of the area: no draw fits, so h = 10, w = round(10·4/3).
    const boxes = resizedCropBoxes(10, 100, 5, { ...base, resizedCrop: crop(8, [0.9, 1], [3 / 4, 4 / 3]) }, 1);
    for (const box of boxes) expect(box).toEqual([0, Math.floor((100 - 13) / 2), 10, 13]);
  });

  it('every training sample is its box resized bicubically, mirrored for about half', () => {
    const options = { ...base, flip: true, evalResize: 8, resizedCrop: crop(8, [0.3, 1], [0.6, 1.6]) };
    const out = augmentBatch(images, shape, options, 11, true);
    const boxes = resizedCropBoxes(h, w, n, options, 11); // the batch draws its boxes first
    expect(out).toHaveLength(n * c * 8 * 8);
    let mirrored = 0;
    for (let b = 0; b < n; b++) {
      let same = true;
      let flipped = true;
      for (let ch = 0; ch < c; ch++) {
        const expected = bicubic(plane(b, ch), w, boxes[b]!, 8);
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const got = out[((b * c + ch) * 8 + y) * 8 + x]!;
            same &&= Math.abs(got - expected[y * 8 + x]!) < 1e-4;
            flipped &&= Math.abs(got - expected[y * 8 + 7 - x]!) < 1e-4;
          }
        }
      }
      expect(same || flipped, `sample ${b} is not its box resized`).toBe(true);
      if (flipped && !same) mirrored++;
    }
    expect(mirrored).toBeGreaterThan(3);
    expect(mirrored).toBeLessThan(21);
  });

  it('test view: resize the whole image, then the central crop', () => {
    const options = { ...base, evalResize: 9, evalCrop: 6, resizedCrop: crop(6, [0.5, 1], [0.75, 1.33]) };
    const out = augmentBatch(images, shape, options, 1, false);
    expect(out).toHaveLength(n * c * 6 * 6);
    const offset = 2; // torchvision: Python's round((9 − 6) / 2) = round(1.5) = 2 (ties to even)
    for (const b of [0, 5, 23]) {
      for (let ch = 0; ch < c; ch++) {
        const resized = bicubic(plane(b, ch), w, [0, 0, h, w], 9);
        for (let y = 0; y < 6; y++) {
          for (let x = 0; x < 6; x++) {
            expect(out[((b * c + ch) * 6 + y) * 6 + x]!).toBeCloseTo(resized[(y + offset) * 9 + x + offset]!, 4);
          }
        }
      }
    }
  });

  it('trains and evaluates a model on resized crops (12² images seen at 8²)', async () => {
    const trainer = await createTrainer(
      { ...tinyConfig, method: 'mixup', augment: { resizedCrop: { size: 8, scale: [0.5, 1] }, flip: true, evalResize: 8 } },
      { data: bandSplits(64, 32, 12) },
    );
    const summary = await trainer.fit();
    expect(Number.isFinite(summary.history[0]!.trainLoss)).toBe(true);
    expect(summary.history[0]!.count).toBe(32);
    await trainer.dispose();
  });

  it('rejects contradictory settings with E_CONFIG', () => {
    const bad: Partial<AugmentOptions>[] = [
      { cropPadding: 2, resizedCrop: crop(8, [0.5, 1], [0.75, 1.33]) },
      { resizedCrop: crop(8, [0.5, 1], [0.75, 1.33]) }, // the test view stays 12×10
      { resizedCrop: crop(8, [0, 1], [0.75, 1.33]), evalResize: 8 },
      { resizedCrop: crop(8, [0.5, 1], [2, 1]), evalResize: 8 },
      { evalCrop: 20 },
    ];
    for (const o of bad) {
      expect(() => augmentBatch(images, shape, { ...base, ...o }, 1, true), JSON.stringify(o)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    }
  });
});
