/**
 * The validation split (`dataset.validation`, `--val-split`): a seeded, stratified share of the
 * training split evaluated in place of the test split. Checked against counts of its own (per
 * class, round(share × n) but never a class's last image), the original bytes of every held-out
 * image, and the layouts it opens (class folders without a test split).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { parseTrainArgs } from '../lib/cli/args.js';
import { loadFashionMnist } from '../lib/data/fashion-mnist.js';
import { holdOutSplits, holdoutIndices } from '../lib/data/holdout.js';
import { loadDataset } from '../lib/data/load.js';
import { AdautomixError } from '../lib/errors.js';
import { bandSplits, hasFashionMnist } from './helpers.js';

function counts(labels: ArrayLike<number>, indices: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const i of indices) out.set(labels[i]!, (out.get(labels[i]!) ?? 0) + 1);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AdautomixError);
    return (error as AdautomixError).code;
  }
  return undefined;
}

describe('holdoutIndices', () => {
  // Classes of 1, 2, 7, 40 and 333 images, interleaved in a scrambled order.
  const sizes = [1, 2, 7, 40, 333];
  const labels = sizes.flatMap((n, k) => Array.from({ length: n }, () => k)).map((k, i, all) => all[(i * 7919) % all.length]!);

  it('holds out round(share × n) of every class, never its last image, and splits the indices exactly', () => {
    for (const share of [0.05, 0.1, 0.5, 0.9]) {
      const { train, validation } = holdoutIndices(labels, { share, seed: 3 });
      expect([...train, ...validation].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
      expect(train).toEqual([...train].sort((a, b) => a - b));
      expect(validation).toEqual([...validation].sort((a, b) => a - b));
      const held = counts(labels, validation);
      const total = counts(labels, labels.map((_, i) => i));
      for (const [k, n] of total) expect(held.get(k) ?? 0).toBe(Math.min(Math.round(share * n), n - 1));
    }
  });

  it('is fixed by its seed, and another seed draws other images', () => {
    const a = holdoutIndices(labels, { share: 0.2, seed: 0 });
    expect(holdoutIndices(labels, { share: 0.2, seed: 0 })).toEqual(a);
    const b = holdoutIndices(labels, { share: 0.2, seed: 1 });
    expect(b.validation).toHaveLength(a.validation.length);
    expect(b.validation).not.toEqual(a.validation);
  });

  it('draws every image of a class about equally often', () => {
    // 40 images of one class, 25% held out, over 400 seeds: each image 100 times in expectation (sd ≈ 8.7).
    const one = Array.from({ length: 40 }, () => 0).concat([1]);
    const times = new Array<number>(40).fill(0);
    for (let seed = 0; seed < 400; seed++) for (const i of holdoutIndices(one, { share: 0.25, seed }).validation) times[i]!++;
    expect(Math.min(...times)).toBeGreaterThan(65);
    expect(Math.max(...times)).toBeLessThan(135);
  });

  it('refuses a share that holds out nothing, and settings outside their ranges', () => {
    expect(codeOf(() => holdoutIndices([0, 0, 1, 1], { share: 0.1, seed: 0 }))).toBe('E_DATA');
    for (const bad of [{ share: 2, seed: 0 }, { share: Number.NaN, seed: 0 }, { share: 0.5, seed: -1 }, { share: 0.5 }, null]) {
      expect(codeOf(() => holdoutIndices([0, 0, 1, 1], bad as never)), JSON.stringify(bad)).toBe('E_CONFIG');
    }
  });

  it('holdOutSplits: the held-out samples of in-memory splits, copied; a train split read on demand is refused', () => {
    const splits = bandSplits(40, 8, 6);
    const held = holdOutSplits(splits, { share: 0.25, seed: 9 });
    const { train, validation } = holdoutIndices(splits.train.labels, { share: 0.25, seed: 9 });
    const px = 6 * 6;
    for (const [split, indices] of [[held.train, train], [held.test, validation]] as const) {
      expect(split.count).toBe(indices.length);
      indices.forEach((from, i) => {
        expect(split.labels[i]).toBe(splits.train.labels[from]);
        expect(Buffer.from(split.images.subarray(i * px, (i + 1) * px)).equals(Buffer.from(splits.train.images.subarray(from * px, (from + 1) * px)))).toBe(true);
      });
    }
    expect(held.stats).toBe(splits.stats);
    const lazy = { ...splits, train: { ...splits.train, images: new Uint8Array(0), lazy: { read: async () => undefined } } };
    expect(codeOf(() => holdOutSplits(lazy, { share: 0.25, seed: 9 }))).toBe('E_DATA');
  });
});

describe('dataset.validation in the config and on the command line', () => {
  it('resolves to null when absent, and refuses shares outside (0, 0.9] and a stray seed', () => {
    expect(resolveConfig({}).dataset.validation).toBeNull();
    expect(resolveConfig({ dataset: { validation: 0.1 } }).dataset.validation).toEqual({ share: 0.1, seed: 0 });
    expect(resolveConfig({ dataset: { validation: 0.2, validationSeed: 5 } }).dataset.validation).toEqual({ share: 0.2, seed: 5 });
    for (const bad of [{ validation: 1 }, { validation: -0.1 }, { validation: '0.1' }, { validation: 0.1, validationSeed: 1.5 }, { validationSeed: 2 }]) {
      expect(codeOf(() => resolveConfig({ dataset: bad as never })), JSON.stringify(bad)).toBe('E_CONFIG');
    }
  });

  it('--val-split and --val-seed set them', async () => {
    const { config } = await parseTrainArgs(['--val-split', '0.15', '--val-seed', '4']);
    expect(resolveConfig(config).dataset.validation).toEqual({ share: 0.15, seed: 4 });
  });
});

describe.runIf(hasFashionMnist)('a validation split of Fashion-MNIST', () => {
  it('holds out 10% of each class with its original bytes, and the limits apply after the split', async () => {
    const original = await loadFashionMnist();
    const data = await loadDataset(resolveConfig({ dataset: { validation: 0.1 } }).dataset);
    expect([data.train.count, data.test.count]).toEqual([54000, 6000]);
    expect([...counts(data.test.labels, [...data.test.labels.keys()]).values()]).toEqual(new Array(10).fill(600));
    expect(data.test.source).toContain('validation split (10% of each class held out, seed 0)');
    expect(data.stats).toEqual(original.stats);
    // Every image of both splits is an original training image, with its label, in the original order.
    const { train, validation } = holdoutIndices(original.train.labels, { share: 0.1, seed: 0 });
    const px = 28 * 28;
    for (const [split, indices] of [[data.train, train], [data.test, validation]] as const) {
      indices.forEach((from, i) => {
        expect(split.labels[i]).toBe(original.train.labels[from]);
        if (i % 97 === 0) expect(Buffer.from(split.images.subarray(i * px, (i + 1) * px)).equals(Buffer.from(original.train.images.subarray(from * px, (from + 1) * px)))).toBe(true);
      });
    }
    const limited = await loadDataset(resolveConfig({ dataset: { validation: 0.1, trainLimit: 100, testLimit: 50 } }).dataset);
    expect(Array.from(limited.train.labels)).toEqual(Array.from(data.train.labels.subarray(0, 100)));
    expect(Array.from(limited.test.labels)).toEqual(Array.from(data.test.labels.subarray(0, 50)));
    expect(Buffer.from(limited.test.images).equals(Buffer.from(data.test.images.subarray(0, 50 * px)))).toBe(true);
  });
});

describe('a validation split of class folders', () => {
  const SIDE = 8;
  const pixels = (k: number) => Uint8Array.from({ length: SIDE * SIDE * 3 }, (_, i) => (i * 31 + k * 67) % 256);

  /** DIR/<prefix>/<class>/img<i>.png, 4 images of each of 3 classes; returns each image's bytes by path. */
  async function classFolders(dir: string, prefix: string, first = 0): Promise<Map<string, Uint8Array>> {
    const written = new Map<string, Uint8Array>();
    let k = first;
    for (const name of ['ant', 'bee', 'cow']) {
      for (let i = 0; i < 4; i++) {
        const path = join(dir, prefix, name, `img${i}.png`);
        await mkdir(join(path, '..'), { recursive: true });
        const data = pixels(k++);
        await writeFile(path, await sharp(Buffer.from(data), { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer());
        written.set(path, data);
      }
    }
    return written;
  }

  const config = (dir: string, validation?: number) =>
    resolveConfig({ dataset: { name: 'image-folder', dir, imageSize: SIDE, ...(validation !== undefined && { validation }) } }).dataset;

  it('opens DIR/<class>/ without train/ or val/: one image of each class held out, pixels exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-holdout-'));
    const written = await classFolders(dir, '');
    // Hidden files and folders are no images or classes: a notebook's checkpoints, macOS's resource forks.
    await mkdir(join(dir, '.ipynb_checkpoints', 'x'), { recursive: true });
    await writeFile(join(dir, '.ipynb_checkpoints', 'x', 'a.png'), 'junk');
    await writeFile(join(dir, 'ant', '._img0.png'), 'junk');
    await mkdir(join(dir, 'bee', '.cache'));
    await writeFile(join(dir, 'bee', '.cache', 'b.png'), 'junk');
    const refused = (await loadDataset(config(dir)).catch((e: unknown) => e)) as AdautomixError;
    expect(refused.code).toBe('E_DATA');
    expect(refused.message).toContain('--val-split 0.1');
    const data = await loadDataset(config(dir, 0.25));
    expect(data.classNames).toEqual(['ant', 'bee', 'cow']);
    expect([data.train.count, data.test.count]).toEqual([9, 3]);
    expect(Array.from(data.test.labels)).toEqual([0, 1, 2]);
    // The held-out images are three of the written ones, each in its class, none also in training.
    const all = [...written.values()].map((d) => Buffer.from(d).toString('hex'));
    const px = SIDE * SIDE * 3;
    const seen = new Set<string>();
    for (const split of [data.train, data.test]) {
      for (let i = 0; i < split.count; i++) {
        const hex = Buffer.from(split.images.subarray(i * px, (i + 1) * px)).toString('hex');
        expect(Math.floor(all.indexOf(hex) / 4)).toBe(split.labels[i]);
        seen.add(hex);
      }
    }
    expect(seen.size).toBe(12);
  });

  it('holds out of train/ and leaves val/ to `eval --split test`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-holdout-'));
    const train = await classFolders(dir, 'train');
    const val = await classFolders(dir, 'val', 100);
    const trainHex = new Set([...train.values()].map((d) => Buffer.from(d).toString('hex')));
    const held = await loadDataset(config(dir, 0.5));
    expect([held.train.count, held.test.count]).toEqual([6, 6]);
    const px = SIDE * SIDE * 3;
    for (let i = 0; i < 6; i++) expect(trainHex.has(Buffer.from(held.test.images.subarray(i * px, (i + 1) * px)).toString('hex'))).toBe(true);
    const plain = await loadDataset(config(dir));
    expect(Buffer.from(plain.test.images).equals(Buffer.concat([...val.values()].map((d) => Buffer.from(d))))).toBe(true);
  });
});
