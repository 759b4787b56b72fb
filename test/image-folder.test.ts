/**
 * Image datasets on disk: class folders, Tiny-ImageNet's layout (validation classes from its
 * annotations file) and image lists. Fixtures are written here from known pixels (PNG, lossless:
 * decoded bytes must equal them; JPEG: within a few levels), and every kind of bad data must be
 * E_DATA naming the file, and the list line where there is one.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { loadDataset } from '../lib/data/load.js';
import { AdautomixError } from '../lib/errors.js';
import { createTrainer } from '../lib/train/trainer.js';
import { expectSameRunTensors, expectSameRunValue, tinyConfig } from './helpers.js';

const SIDE = 8;

/** Deterministic RGB pixels for image k, SIDE×SIDE×3. */
const pixels = (k: number, side = SIDE) => Uint8Array.from({ length: side * side * 3 }, (_, i) => (i * 29 + k * 71 + ((i * k) % 17)) % 256);

async function writeImage(path: string, data: Uint8Array, width: number, height: number, format: 'png' | 'jpeg' = 'png') {
  await mkdir(join(path, '..'), { recursive: true });
  const image = sharp(Buffer.from(data), { raw: { width, height, channels: 3 } });
  await writeFile(path, await (format === 'png' ? image.png() : image.jpeg({ quality: 100 })).toBuffer());
}

const config = (name: 'tiny-imagenet' | 'image-folder' | 'image-list', dir: string, extra: object = {}) =>
  resolveConfig({ dataset: { name, dir, imageSize: SIDE, ...extra } }).dataset;

async function dataError(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(() => null, (e: unknown) => e)) as AdautomixError | null;
  expect(error).toBeInstanceOf(AdautomixError);
  expect(error!.code).toBe('E_DATA');
  return error!.message;
}

describe('image datasets on disk', () => {
  it('class folders: sorted class names, files at any depth, pixels exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-folder-'));
    const classes = ['cat', 'dog', 'eel'];
    let k = 0;
    const expected: { split: string; label: number; data: Uint8Array }[] = [];
    for (const split of ['train', 'val']) {
      for (const [label, name] of classes.entries()) {
        for (let i = 0; i < 2; i++) {
          const data = pixels(k++);
          // The second image of each class sits one folder deeper (as Tiny-ImageNet's train/<wnid>/images/);
          // files are taken in sorted path order, and 'img0.png' < 'sub/img1.png'.
          await writeImage(join(dir, split, name, ...(i === 1 ? ['sub'] : []), `img${i}.png`), data, SIDE, SIDE);
          expected.push({ split, label, data });
        }
      }
    }
    await writeFile(join(dir, 'train', 'cat', 'notes.txt'), 'not an image');
    const data = await loadDataset(config('image-folder', dir));
    expect(data.classNames).toEqual(classes);
    expect(data.stats.mean).toEqual([0.485, 0.456, 0.406]);
    for (const [split, set] of [['train', data.train], ['val', data.test]] as const) {
      const mine = expected.filter((e) => e.split === split);
      expect(set.count).toBe(mine.length);
      expect([set.height, set.width, set.channels, set.numClasses]).toEqual([SIDE, SIDE, 3, 3]);
      mine.forEach((e, i) => {
        expect(set.labels[i]).toBe(e.label);
        expect(Buffer.from(set.images.subarray(i * SIDE * SIDE * 3, (i + 1) * SIDE * SIDE * 3)).equals(Buffer.from(e.data))).toBe(true);
      });
    }
  });

  it('resizes the shorter side and keeps the central square', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-folder-'));
    // 32×16: red | green | blue | white in vertical quarters; the central square is green | blue.
    const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
    const wide = Uint8Array.from({ length: 32 * 16 * 3 }, (_, i) => colours[Math.floor(((i / 3) | 0) % 32 / 8)]![i % 3]!);
    for (const split of ['train', 'val']) {
      for (const name of ['a', 'b']) await writeImage(join(dir, split, name, 'x.png'), wide, 32, 16);
    }
    const data = await loadDataset(config('image-folder', dir));
    const img = data.train.images.subarray(0, SIDE * SIDE * 3);
    const at = (y: number, x: number) => Array.from(img.subarray((y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3));
    // The bicubic kernel blurs a pixel or so at each colour edge; away from them the colours are clean,
    // and neither the red nor the white quarter is in the picture.
    for (let y = 0; y < SIDE; y++) {
      const [r1, g1, b1] = at(y, 2) as [number, number, number];
      const [r2, g2, b2] = at(y, 6) as [number, number, number];
      expect(g1 > 240 && r1 < 15 && b1 < 15, `green at (${y}, 2): ${at(y, 2)}`).toBe(true);
      expect(b2 > 240 && r2 < 15 && g2 < 15, `blue at (${y}, 6): ${at(y, 6)}`).toBe(true);
      expect(at(y, 0)[1]!).toBeGreaterThan(at(y, 0)[0]!);
      expect(at(y, 7)[2]!).toBeGreaterThan(at(y, 7)[0]!);
    }
  });

  it('Tiny-ImageNet: validation classes from val_annotations.txt; JPEG decodes within a few levels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-tiny-'));
    const root = join(dir, 'tiny-imagenet-200');
    const wnids = ['n02', 'n01', 'n03'];
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'wnids.txt'), `${wnids.join('\n')}\n`);
    const flat = (v: number) => new Uint8Array(SIDE * SIDE * 3).fill(v);
    for (const [i, wnid] of wnids.entries()) await writeImage(join(root, 'train', wnid, 'images', `${wnid}_0.JPEG`), flat(40 + 60 * i), SIDE, SIDE, 'jpeg');
    await writeImage(join(root, 'val', 'images', 'val_0.JPEG'), flat(200), SIDE, SIDE, 'jpeg');
    await writeImage(join(root, 'val', 'images', 'val_1.JPEG'), flat(10), SIDE, SIDE, 'jpeg');
    const annotations = ['val_0.JPEG\tn03\t0\t0\t8\t8', 'val_1.JPEG\tn01\t0\t0\t8\t8'];
    await writeFile(join(root, 'val', 'val_annotations.txt'), `${annotations.join('\n')}\n`);
    const data = await loadDataset(config('tiny-imagenet', dir)); // the parent folder is accepted
    expect(data.classNames).toEqual(['n01', 'n02', 'n03']);
    expect(Array.from(data.train.labels)).toEqual([0, 1, 2]);
    expect(Array.from(data.test.labels)).toEqual([2, 0]);
    expect(Math.abs(data.test.images[0]! - 200)).toBeLessThanOrEqual(3);
    expect(Math.abs(data.train.images[0]! - 100)).toBeLessThanOrEqual(3); // n01 is the second folder written (40 + 60)

    await writeFile(join(root, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn99\t0\n');
    expect(await dataError(loadDataset(config('tiny-imagenet', dir)))).toContain('val_annotations.txt:1');
  });

  it('image lists: paths with spaces, labels from the lists, and E_DATA naming file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-list-'));
    for (let k = 0; k < 4; k++) await writeImage(join(dir, 'images', `class ${k % 2}`, `bird ${k}.png`), pixels(k), SIDE, SIDE);
    await mkdir(join(dir, 'meta'));
    const write = (name: string, lines: string[]) => writeFile(join(dir, 'meta', name), `${lines.join('\n')}\n`);
    await write('train.txt', ['class 0/bird 0.png 0', 'class 1/bird 1.png 1', '', 'class 0/bird 2.png 0']);
    await write('test.txt', ['class 1/bird 3.png 1']);
    const data = await loadDataset(config('image-list', dir));
    expect(Array.from(data.train.labels)).toEqual([0, 1, 0]);
    expect(data.train.numClasses).toBe(2);
    expect(Buffer.from(data.test.images).equals(Buffer.from(pixels(3)))).toBe(true);

    await write('test.txt', ['class 1/bird 3.png 1', 'class 1/bird 9.png 1']);
    const missing = await dataError(loadDataset(config('image-list', dir)));
    expect(missing).toContain('bird 9.png');
    expect(missing).toContain('test.txt:2');
    expect(missing).toContain('does not exist');
    await write('test.txt', ['class 1/bird 3.png 5']);
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain('test.txt:1: label 5 is outside the 2 classes');
    await write('test.txt', ['no-label-here.png']);
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain("test.txt:1: expected 'relative/path label'");
    await writeFile(join(dir, 'images', 'broken.png'), 'this is not a PNG');
    await write('test.txt', ['broken.png 1']);
    const broken = await dataError(loadDataset(config('image-list', dir)));
    expect(broken).toContain('cannot decode the image');
    expect(broken).toContain('broken.png');
    await write('test.txt', ['class 1/bird 3.png 1']);
    await write('train.txt', ['class 0/bird 0.png 0', 'class 1/bird 1.png 2']);
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain('no image of class 1');

    // Class names as labels: classes in sorted name order, the test names checked against them.
    await write('train.txt', ['class 0/bird 0.png wren', 'class 1/bird 1.png crow', 'class 0/bird 2.png wren']);
    await write('test.txt', ['class 1/bird 3.png crow']);
    const named = await loadDataset(config('image-list', dir));
    expect(named.classNames).toEqual(['crow', 'wren']);
    expect(Array.from(named.train.labels)).toEqual([1, 0, 1]);
    expect(Array.from(named.test.labels)).toEqual([0]);
    await write('test.txt', ['class 1/bird 3.png robin']);
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain("test.txt:1: class 'robin' has no image in");
    // One kind per list: a line without its label (a path with a space) in a numbered list is refused.
    await write('train.txt', ['class 0/bird 0.png 0', 'class 1/bird 1.png 1', 'class 0/bird 2.png']);
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain("train.txt:3: label '2.png' is a class name, but");
    // With a validation split, the test list may be absent.
    await write('train.txt', ['class 0/bird 0.png 0', 'class 1/bird 1.png 1', 'class 0/bird 2.png 0', 'class 1/bird 3.png 1']);
    await rm(join(dir, 'meta', 'test.txt'));
    expect(await dataError(loadDataset(config('image-list', dir)))).toContain('cannot read the image list');
    const held = await loadDataset(config('image-list', dir, { validation: 0.5 }));
    expect([held.train.count, held.test.count]).toEqual([2, 2]);
  });

  it('trains from a class-folder dataset named in the config, in memory or decoded per batch, with the same result', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-folder-'));
    for (const split of ['train', 'val']) {
      for (let k = 0; k < 32; k++) await writeImage(join(dir, split, `c${k % 4}`, `${k}.png`), pixels(k + (split === 'val' ? 100 : 0)), SIDE, SIDE);
    }
    const results = [];
    for (const cacheBudgetMB of [64, 0]) {
      const dataset = { name: 'image-folder' as const, dir, imageSize: SIDE, cacheBudgetMB };
      const loaded = await loadDataset(resolveConfig({ dataset }).dataset);
      expect(loaded.train.lazy === undefined).toBe(cacheBudgetMB > 0); // 0: both splits decoded per batch
      const trainer = await createTrainer({ ...tinyConfig, dataset, method: 'cutmix' });
      const summary = await trainer.fit();
      expect(summary.history[0]!.count).toBe(32);
      results.push({ loss: summary.history[0]!.trainLoss, top1: summary.history[0]!.top1, weights: (await trainer.checkpoint()).native.tensors });
      await trainer.dispose();
    }
    expectSameRunTensors(results[0]!.weights, results[1]!.weights);
    expectSameRunValue(results[1]!.loss, results[0]!.loss, 'train loss');
    expectSameRunValue(results[1]!.top1, results[0]!.top1, 'top-1');
  });
});
