/**
 * Batch preparation (native/data/augment.cc) against an independent JavaScript computation:
 * normalisation in closed form; every random crop+flip must be one of the (2p+1)²·2 windows of the
 * reflect-padded image, and the draws must actually vary.
 */
import { describe, expect, it } from 'vitest';
import { loadNative, type AugmentOptions, type BatchShape } from '../lib/native.js';

const shape: BatchShape = [40, 9, 7, 2];
const [n, h, w, c] = shape;
const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => (i * 37 + ((i * i) % 11)) % 256);
const mean = [0.4, 0.6];
const std = [0.25, 0.5];

const reflect = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
const normalised = (v: number, ch: number) => Math.fround((Math.fround(v / 255) - mean[ch]!) / std[ch]!);

function at(out: Float32Array, b: number, ch: number, y: number, x: number): number {
  return out[((b * c + ch) * h + y) * w + x]!;
}

/** The (oy, ox, flip) windows of the padded sample b that reproduce output sample b. */
function matchingWindows(out: Float32Array, b: number, p: number): string[] {
  const found: string[] = [];
  for (let oy = 0; oy <= 2 * p; oy++) {
    for (let ox = 0; ox <= 2 * p; ox++) {
      for (const flip of [false, true]) {
        let same = true;
        for (let y = 0; y < h && same; y++) {
          for (let x = 0; x < w && same; x++) {
            const sx = flip ? w - 1 - x : x;
            const iy = reflect(oy - p + y, h);
            const ix = reflect(ox - p + sx, w);
            for (let ch = 0; ch < c && same; ch++) {
              const v = images[((b * h + iy) * w + ix) * c + ch]!;
              same = Math.abs(at(out, b, ch, y, x) - normalised(v, ch)) < 1e-5;
            }
          }
        }
        if (same) found.push(`${oy},${ox},${flip}`);
      }
    }
  }
  return found;
}

describe('batch preparation', () => {
  const { augmentBatch } = loadNative();
  const options = (o: Partial<AugmentOptions>): AugmentOptions => ({ cropPadding: 0, flip: false, mean, std, ...o });

  it('test view: NCHW, (x/255 - mean)/std per channel', () => {
    const out = augmentBatch(images, shape, options({ cropPadding: 3, flip: true }), 1, false);
    expect(out).toHaveLength(n * c * h * w);
    for (let b = 0; b < n; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            expect(Math.abs(at(out, b, ch, y, x) - normalised(images[((b * h + y) * w + x) * c + ch]!, ch))).toBeLessThan(1e-6);
          }
  });

  it('training view: every sample is a reflect-padded crop, maybe mirrored, and the draws vary', () => {
    const p = 3;
    const out = augmentBatch(images, shape, options({ cropPadding: p, flip: true }), 9, true);
    const windows = new Set<string>();
    let flips = 0;
    for (let b = 0; b < n; b++) {
      const found = matchingWindows(out, b, p);
      expect(found.length, `sample ${b} matches no crop window`).toBeGreaterThan(0);
      windows.add(found[0]!);
      if (found.every((f) => f.endsWith('true'))) flips++;
    }
    expect(windows.size).toBeGreaterThan(10); // 49 offsets × 2 flips drawn 40 times
    expect(flips).toBeGreaterThan(5);
    expect(flips).toBeLessThan(35);
  });

  it('flip only: each sample is the image or its mirror', () => {
    const out = augmentBatch(images, shape, options({ flip: true }), 4, true);
    for (let b = 0; b < n; b++) {
      const found = matchingWindows(out, b, 0);
      expect(found.length).toBeGreaterThan(0);
    }
  });

  it('is reproducible from the seed', () => {
    const o = options({ cropPadding: 2, flip: true });
    expect(augmentBatch(images, shape, o, 5, true)).toEqual(augmentBatch(images, shape, o, 5, true));
    expect(augmentBatch(images, shape, o, 5, true)).not.toEqual(augmentBatch(images, shape, o, 6, true));
  });

  it('rejects bad input with codes', () => {
    expect(() => augmentBatch(images, [n, h, w, 3], options({}), 1, true)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => augmentBatch(images, shape, options({ cropPadding: 7 }), 1, true)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => augmentBatch(images, shape, options({ mean: [0.5] }), 1, true)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => augmentBatch(images, shape, options({ std: [0, 1] }), 1, true)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });
});
