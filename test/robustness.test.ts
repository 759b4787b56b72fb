/**
 * Robustness evaluation: the built-in corruptions (deterministic, 8-bit, and each doing what its
 * closed form says), the .npy reader against NumPy's own files, CIFAR-C evaluation (a "corrupted"
 * set that is the clean test set must score the clean accuracy at every severity), and occlusion
 * (0% is the clean accuracy; the drawn patches are shared by the batch and zeroed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../lib/data/npy.js';
import { CORRUPTIONS, corrupt, Rng } from '../lib/eval/corruptions.js';
import { evaluateRun } from '../lib/eval/evaluate-run.js';
import { occlude } from '../lib/eval/occlusion.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, tinyConfig } from './helpers.js';
import { hasReferenceTorch, referencePython } from './reference.js';

const [h, w, c] = [32, 32, 3];
const image = Uint8Array.from({ length: h * w * c }, (_, i) => 60 + ((i * 7 + ((i / 96) | 0) * 13) % 140));
const flat = (v: number) => new Uint8Array(h * w * c).fill(v);
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const std = (a: ArrayLike<number>) => Math.sqrt(mean(Array.from(a, (v) => (v - mean(a)) ** 2)));
/** Sum of absolute differences between horizontal neighbours: how much detail is left. */
const variation = (a: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < a.length - c; i++) if ((i / c) % w < w - 1) s += Math.abs(a[i]! - a[i + c]!);
  return s;
};

describe('corruptions', () => {
  it('every type and severity is deterministic, keeps the size and changes the image', async () => {
    for (const type of CORRUPTIONS) {
      for (let severity = 1; severity <= 5; severity++) {
        const a = await corrupt(image, h, w, c, type, severity, new Rng(4));
        const b = await corrupt(image, h, w, c, type, severity, new Rng(4));
        expect(a.length, type).toBe(image.length);
        expect(Buffer.from(a).equals(Buffer.from(b)), `${type} ${severity} repeats`).toBe(true);
        expect(Buffer.from(a).equals(Buffer.from(image)), `${type} ${severity} changes the image`).toBe(false);
      }
    }
  });

  it('each corruption does what its definition says', async () => {
    const run = (type: (typeof CORRUPTIONS)[number], severity: number, img = image) => corrupt(img, h, w, c, type, severity, new Rng(9));
    // Contrast keeps the mean and scales the spread by c = 0.4 (severity 3).
    const contrast = await run('contrast', 3);
    expect(Math.abs(mean(contrast) - mean(image))).toBeLessThan(1);
    expect(std(contrast) / std(image)).toBeCloseTo(0.4, 1);
    // Gaussian noise of σ = 0.08 (severity 3) on mid-grey.
    const noisy = await run('gaussian_noise', 3, flat(128));
    expect(std(noisy) / 255).toBeGreaterThan(0.08 * 0.9);
    expect(std(noisy) / 255).toBeLessThan(0.08 * 1.1);
    // Impulse noise replaces a fraction 0.07 (severity 5) of the values by 0 or 255.
    const impulse = await run('impulse_noise', 5, flat(128));
    const hit = Array.from(impulse).filter((v) => v !== 128);
    expect(hit.every((v) => v === 0 || v === 255)).toBe(true);
    expect(hit.length / impulse.length).toBeGreaterThan(0.055);
    expect(hit.length / impulse.length).toBeLessThan(0.085);
    // Brightness raises a grey image's value by 0.3 (severity 5): 100 → 100 + 76.5.
    expect(new Set(await run('brightness', 5, flat(100)))).toEqual(new Set([177]));
    // Saturation: s·0.3 leaves grey grey (severity 1); s·2.5 + 0.2 (severity 5) gives grey a
    // saturation of 0.2 at hue 0: R keeps the value 90, G and B drop to 90·0.8.
    expect(new Set(await run('saturate', 1, flat(90)))).toEqual(new Set([90]));
    const tinted = await run('saturate', 5, flat(90));
    expect(Array.from(tinted.subarray(0, 3))).toEqual([90, 72, 72]);
    // Blurs and pixelation keep flat images flat and remove detail.
    for (const type of ['gaussian_blur', 'defocus_blur', 'pixelate'] as const) {
      expect(new Set(await run(type, 5, flat(70))), type).toEqual(new Set([70]));
      expect(variation(await run(type, 5)), type).toBeLessThan(variation(image) * 0.9);
    }
    // Shot noise scales with the level: its spread at mid-grey follows √(p·v)/p.
    const shot = await run('shot_noise', 5, flat(128));
    expect(std(shot) / 255).toBeCloseTo(Math.sqrt(50 * (128 / 255)) / 50, 1);
  });
});

describe.runIf(hasReferenceTorch)('CIFAR-C files and occlusion', () => {
  it('reads NumPy .npy files, and a CIFAR-C set equal to the test set scores the clean accuracy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-npy-'));
    const data = bandSplits(64, 40);
    // Five "severities" of 8 images: each block is the first 8 test images.
    const script = `
import numpy as np, sys
d = sys.argv[1]
np.save(d + '/small.npy', np.arange(36, dtype=np.uint8).reshape(3, 2, 2, 3))
np.save(d + '/labels_i8.npy', np.array([3, 1, 4], dtype=np.int64))
test = np.frombuffer(open(d + '/test.bin', 'rb').read(), dtype=np.uint8).reshape(40, 12, 12, 1)[:8]
labels = np.frombuffer(open(d + '/labels.bin', 'rb').read(), dtype=np.int32)[:8]
import os; os.makedirs(d + '/c', exist_ok=True)
np.save(d + '/c/fog.npy', np.concatenate([test] * 5))
np.save(d + '/c/labels.npy', np.concatenate([labels.astype(np.int64)] * 5))
`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'test.bin'), data.test.images);
    await writeFile(join(dir, 'labels.bin'), Buffer.from(data.test.labels.buffer));
    const made = spawnSync(referencePython, ['-c', script, dir]);
    expect(made.status, made.stderr.toString()).toBe(0);
    const small = await readNpy(join(dir, 'small.npy'));
    expect(small.shape).toEqual([3, 2, 2, 3]);
    expect(Array.from(small.data)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    expect(Array.from((await readNpy(join(dir, 'labels_i8.npy'))).data)).toEqual([3, 1, 4]);

    const trainer = await createTrainer({ ...tinyConfig, epochs: 2, method: 'mixup' }, { data });
    await trainer.fit();
    const clean = await evaluateRun(trainer, data.test, { limit: 8, fgsm: false });
    const report = await evaluateRun(trainer, data.test, { limit: 8, fgsm: false, cifarC: join(dir, 'c'), occlusion: { ratios: [0, 1] } });
    expect(Object.keys(report.cifarC!.perType)).toEqual(['fog']);
    for (let s = 1; s <= 5; s++) expect(report.cifarC!.perType.fog![String(s)]).toBe(clean.heads.head!.top1);
    expect(report.occlusion!.points[0]).toEqual({ ratio: 0, top1: clean.heads.head!.top1 });
    await trainer.dispose();
  }, 60_000);

  it('occlusion zeroes round(cells·ratio) patches, the same ones in every image', () => {
    const shape = [2, 1, 8, 8];
    const input = { shape, values: new Float32Array(128).fill(1) };
    const out = occlude(input, 0.25, 2, new Rng(1)); // 16 cells of 2×2, 4 drawn
    const zeros = (b: number) => Array.from(out.values.subarray(b * 64, (b + 1) * 64)).map((v): number => (v === 0 ? 1 : 0));
    expect(zeros(0).reduce((a, v) => a + v, 0)).toBe(16);
    expect(zeros(0)).toEqual(zeros(1));
    expect(Array.from(input.values).every((v) => v === 1)).toBe(true); // the input is not changed
  });
});
