/**
 * RandAugment (native/data/rand_augment.cc): the pixel operations against PIL/NumPy
 * (benchmarks/reference/rand_augment_ops.py; within one level where PIL rounds its own way), the
 * geometric ones by their closed forms (integer translations shift exactly and fill the rest; a
 * shear keeps the top row; a rotation keeps a flat image flat inside and fills the corners), and
 * the whole augmentation by its draws: at most `ops` operations, 8-bit values, seeded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNative, packageRoot, type AugmentOptions, type BatchShape } from '../lib/native.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, tinyConfig } from './helpers.js';
import { referenceCanImport, referencePython } from './reference.js';

const { randAugmentOp, augmentBatch } = loadNative();
// Large enough for Equalize to act (its table steps by (pixels − last bin) / 255).
const shape: BatchShape = [6, 40, 48, 3];
const [n, h, w, c] = shape;
// Smooth-ish colour images with some structure, so that every operation changes something.
const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => {
  const ch = i % 3, x = ((i / 3) | 0) % w, y = ((i / 3 / w) | 0) % h, b = (i / (3 * w * h)) | 0;
  return ((40 + x * 11 + y * (7 + ch) + b * 23 + ((x * y * (ch + 1)) % 17)) % 180) + 30; // 30..209: room for AutoContrast
});
const fill = [114, 123, 125];
/** NCHW output value of image b, channel ch, pixel (y, x). */
const at = (out: Float32Array, b: number, ch: number, y: number, x: number) => out[((b * c + ch) * h + y) * w + x]!;
const input = (b: number, ch: number, y: number, x: number) => images[((b * h + y) * w + x) * c + ch]!;

async function reference(op: string, m: number): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'adx-ra-'));
  await writeFile(join(dir, 'images.bin'), images);
  const result = spawnSync(referencePython, [join(packageRoot, 'benchmarks', 'reference', 'rand_augment_ops.py'), join(dir, 'images.bin'), String(n), String(h), String(w), op, String(m)]);
  if (result.status !== 0) throw new Error(result.stderr.toString());
  return new Uint8Array(result.stdout);
}

// The reference is PIL and NumPy (Debian: python3-pil); a PyTorch-only Python, like the GPU
// machines', skips these.
const hasPillow = referenceCanImport('PIL, numpy');

describe('RandAugment', () => {
  it.runIf(hasPillow).each([
    ['Brightness', 0.6, 1], ['Brightness', -0.45, 1], ['ColorTransform', 0.7, 1], ['ColorTransform', -0.8, 1],
    ['Contrast', 0.5, 1], ['Contrast', -0.6, 1], ['Sharpness', 0.9, 1], ['Sharpness', -0.7, 1],
    ['AutoContrast', 0, 1], ['Equalize', 0, 0], ['Posterize', 4.6, 0], ['Solarize', 120.4, 0],
  ] as const)('%s at %d matches PIL/NumPy within %d level(s)', async (op, m, tolerance) => {
    const ours = randAugmentOp(images, shape, op, m, fill);
    const theirs = await reference(op, m);
    let worst = 0;
    let changed = 0;
    for (let b = 0; b < n; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            const v = at(ours, b, ch, y, x);
            expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
            worst = Math.max(worst, Math.abs(v - theirs[((b * h + y) * w + x) * c + ch]!));
            if (v !== input(b, ch, y, x)) changed++;
          }
    expect(worst, `${op} worst difference`).toBeLessThanOrEqual(tolerance);
    expect(changed, `${op} changed nothing`).toBeGreaterThan(0);
  });

  it('translations by whole pixels shift exactly and fill what they uncover', () => {
    // 0.25 of the width 48 = 12 pixels right; 0.3 of the height 40 = 12 pixels up.
    const right = randAugmentOp(images, shape, 'TranslateX', 0.25, fill);
    const up = randAugmentOp(images, shape, 'TranslateY', -0.3, fill);
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            expect(at(right, b, ch, y, x)).toBe(x >= 12 ? input(b, ch, y, x - 12) : fill[ch]);
            expect(at(up, b, ch, y, x)).toBe(y < h - 12 ? input(b, ch, y + 12, x) : fill[ch]);
          }
  });

  it('a horizontal shear keeps the top row and moves row y by m·y', () => {
    const out = randAugmentOp(images, shape, 'ShearX', 0.25, fill); // row 4 moves by exactly 1 pixel
    for (let b = 0; b < n; b++)
      for (let ch = 0; ch < c; ch++)
        for (let x = 0; x < w; x++) {
          expect(at(out, b, ch, 0, x)).toBe(input(b, ch, 0, x));
          expect(at(out, b, ch, 4, x)).toBe(x >= 1 ? input(b, ch, 4, x - 1) : fill[ch]);
        }
  });

  it('a rotation keeps a flat image flat in the middle and fills the corners', () => {
    const flat = new Uint8Array(n * h * w * c).fill(200);
    const out = randAugmentOp(flat, shape, 'Rotate', 25, fill);
    for (let ch = 0; ch < c; ch++) {
      expect(at(out, 0, ch, 20, 24)).toBe(200);
      expect(at(out, 0, ch, 0, 0)).toBe(fill[ch]);
      expect(at(out, 0, ch, h - 1, w - 1)).toBe(fill[ch]);
    }
    expect(Array.from(randAugmentOp(images, shape, 'Rotate', 0, fill))).toEqual(Array.from(randAugmentOp(images, shape, 'Identity', 0, fill)));
  });

  it('trains with RandAugment from the config (one-channel images: the fill is the policy grey)', async () => {
    const trainer = await createTrainer({ ...tinyConfig, method: 'mixup', augment: { cropPadding: 2, flip: true, randAugment: true } }, { data: bandSplits() });
    const summary = await trainer.fit();
    expect(Number.isFinite(summary.history[0]!.trainLoss)).toBe(true);
    await trainer.dispose();
    await expect(createTrainer({ ...tinyConfig, augment: { randAugment: { fill: [1, 2, 3] } } }, { data: bandSplits() })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });

  it('the batch augmentation applies up to `ops` operations per image, 8-bit, seeded', () => {
    const mean = [0, 0, 0];
    const std = [1 / 255, 1 / 255, 1 / 255]; // normalised values are then the pixel values
    const options: AugmentOptions = { cropPadding: 0, flip: false, mean, std, randAugment: { ops: 2, level: 7, levelStd: 0.5, totalLevel: 10, fill } };
    const many: BatchShape = [64, h, w, c];
    const batch = Uint8Array.from({ length: 64 * h * w * c }, (_, i) => images[i % images.length]!);
    const out = augmentBatch(batch, many, options, 3, true);
    let unchanged = 0;
    for (let b = 0; b < 64; b++) {
      let same = true;
      for (let i = 0; i < h * w * c; i++) {
        const ch = i % c, x = ((i / c) | 0) % w, y = (i / (c * w)) | 0;
        const v = out[((b * c + ch) * h + y) * w + x]!;
        expect(Math.abs(v - Math.round(v))).toBeLessThan(1e-3);
        same &&= Math.abs(v - batch[b * h * w * c + i]!) < 1e-3;
      }
      if (same) unchanged++;
    }
    // Each of 2 operations applies with probability 1/2 (and Identity is 1 in 14): about a quarter unchanged.
    expect(unchanged).toBeGreaterThan(5);
    expect(unchanged).toBeLessThan(30);
    expect(augmentBatch(batch, many, options, 3, true)).toEqual(out);
    expect(augmentBatch(batch, many, { ...options, randAugment: { ...options.randAugment!, ops: 0 } }, 3, true)).toEqual(augmentBatch(batch, many, { ...options, randAugment: null }, 3, true));
    expect(() => randAugmentOp(images, shape, 'Invert', 0, fill)).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });
});
