/**
 * The classifier: trainer.classifier() and classifierFromRun(). Its predictions are checked against
 * independent computations: accuracy from its top classes equals the trainer's own evaluation of
 * the same head (a separate native path), probabilities are the closed-form softmax of the head's
 * logits, and image files decode to the same bytes as the dataset holds.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifierFromRun, createTrainer, type DatasetSplits, type Prediction, RunDir, type Trainer } from '../lib/index.js';
import { bandSplits, tinyConfig } from './helpers.js';

const NAMES = ['top', 'upper', 'lower', 'bottom'];
const data: DatasetSplits = { ...bandSplits(96, 40, 16), classNames: NAMES };
const { height: h, width: w, count: testCount } = data.test;
const pixels = h * w;

/** Top-1/top-5 (%) of predictions whose `top` lists 5 classes (all 4 here). */
function accuracy(predictions: Prediction[], labels: Int32Array): { top1: number; top5: number } {
  const top1 = predictions.filter((p, i) => p.label === labels[i]).length;
  const top5 = predictions.filter((p, i) => p.top.slice(0, 5).some((s) => s.label === labels[i])).length;
  return { top1: (100 * top1) / labels.length, top5: (100 * top5) / labels.length };
}

/** A grey image as a PNG file, its bytes exactly. */
const greyPng = (bytes: Uint8Array, path: string) => sharp(Buffer.from(bytes), { raw: { width: w, height: h, channels: 1 } }).png().toFile(path);

describe.each(['adautomix', 'mixup'] as const)('%s: trainer.classifier()', (method) => {
  let trainer: Trainer;
  beforeAll(async () => {
    trainer = await createTrainer({ ...tinyConfig, method, epochs: 2, evalBatchSize: 16 }, { data });
    await trainer.fit();
  });
  afterAll(() => trainer.dispose());

  it("every head's accuracy from its predictions equals the trainer's evaluation of it", async () => {
    const evaluation = await trainer.evaluate();
    const heads = Object.keys(evaluation.heads);
    expect(heads.sort()).toEqual(method === 'adautomix' ? ['mix_k', 'mix_q', 'one_k', 'one_q'] : ['head']);
    // The default head is the reported one.
    expect(trainer.classifier().head).toBe(evaluation.head);
    for (const head of heads) {
      // testCount (40) is not a multiple of evalBatchSize (16): the last batch is a short one.
      const predictions = await trainer.classifier({ head }).classify(data.test.images, [testCount, h, w, 1]);
      expect(predictions).toHaveLength(testCount);
      const got = accuracy(predictions, data.test.labels);
      expect(got.top1, head).toBeCloseTo(evaluation.heads[head]!.top1, 10);
      expect(got.top5, head).toBeCloseTo(evaluation.heads[head]!.top5, 10);
    }
  });

  it("gives the softmax of the head's logits, in order, with the classes' names", async () => {
    const classifier = trainer.classifier();
    const n = 8;
    const images = data.test.images.subarray(0, n * pixels);
    const logits = await classifier.logits(images, [n, h, w, 1]);
    expect(logits.shape).toEqual([n, 4]);
    const predictions = await classifier.classify(images, [n, h, w, 1], { top: 4 });
    for (let i = 0; i < n; i++) {
      const p = predictions[i]!;
      const row = logits.values.subarray(i * 4, (i + 1) * 4);
      expect(p.top.map((s) => s.label).sort()).toEqual([0, 1, 2, 3]);
      expect(p.top.reduce((sum, s) => sum + s.probability, 0)).toBeCloseTo(1, 12);
      for (let k = 0; k < 4; k++) {
        const s = p.top[k]!;
        expect(s.name).toBe(NAMES[s.label]);
        // p_a / p_b = exp(l_a − l_b), and the list runs from the most probable down.
        expect(Math.log(s.probability / p.top[0]!.probability)).toBeCloseTo(row[s.label]! - row[p.label]!, 5);
        if (k > 0) expect(s.probability).toBeLessThanOrEqual(p.top[k - 1]!.probability);
      }
      expect(p.label).toBe(p.top[0]!.label);
      expect(row[p.label]).toBe(Math.max(...row));
    }
    expect((await classifier.classify(images, [n, h, w, 1]))[0]!.top).toHaveLength(4); // default 5, at most the classes
    expect((await classifier.classify(images, [n, h, w, 1], { top: 2 }))[0]!.top).toHaveLength(2);
    expect(await classifier.classify(new Uint8Array(0), [0, h, w, 1])).toEqual([]);
  });

  it('refuses what it cannot classify, in user terms', async () => {
    const classifier = trainer.classifier();
    const one = data.test.images.subarray(0, pixels);
    await expect(classifier.classify(one, [1, h, w, 3])).rejects.toMatchObject({ code: 'E_SHAPE', message: expect.stringContaining(`takes ${h}x${w}x1 images`) });
    await expect(classifier.classify(one, [2, h, w, 1])).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(classifier.classify(one, [1, h, w] as never)).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(classifier.classify(one, [1, h, w, 1], { top: 5 })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('1 to the 4 classes') });
    await expect(classifier.classify(one, [1, h, w, 1], { top: 1.5 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    expect(() => trainer.classifier({ head: 'nope' })).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining("unknown head 'nope'") }));
    await expect(classifier.classifyFiles(['/nonexistent/x.png'])).rejects.toMatchObject({ code: 'E_DATA', message: expect.stringContaining('does not exist') });
    await expect(classifier.classifyFiles('x.png' as never)).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('classifierFromRun and image files', () => {
  let dir: string;
  let trainer: Trainer;
  let expected: Prediction[];
  const n = 6;
  const images = data.test.images.subarray(0, n * pixels);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adx-classifier-'));
    trainer = await createTrainer({ ...tinyConfig, method: 'adautomix' }, { data });
    await trainer.fit();
    const run = await RunDir.create(join(dir, 'run'));
    // The run's dataset is named but not there: a run folder classifies without it.
    await run.writeConfig({ ...trainer.config, dataset: { ...trainer.config.dataset, dir: join(dir, 'gone') }, resolved: trainer.info });
    await trainer.saveWeights(run.weightsPath);
    expected = await trainer.classifier().classify(images, [n, h, w, 1]);
  });
  afterAll(async () => {
    await trainer.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const same = (got: Prediction[]) => expect(got.map(({ label, name, probability, top }) => ({ label, name, probability, top }))).toEqual(expected);

  it("rebuilds the run's network from config.json and weights.safetensors: the trainer's own predictions", async () => {
    const run = join(dir, 'run');
    await using classifier = await classifierFromRun(run, { threads: 1 });
    expect(classifier.inputShape).toEqual([h, w, 1]);
    expect(classifier.classes).toBe(4);
    expect(classifier.classNames).toEqual(NAMES);
    same(await classifier.classify(images, [n, h, w, 1]));
    await classifier.dispose();
    await expect(classifier.classify(images, [n, h, w, 1])).rejects.toMatchObject({ code: 'E_DISPOSED' });

    // A config.json without the recorded info takes it from the data given.
    const plain = await RunDir.create(join(dir, 'plain'));
    await plain.writeConfig(trainer.config);
    await trainer.saveWeights(plain.weightsPath);
    await using fromData = await classifierFromRun(plain.dir, { data, head: 'one_k' });
    same(await fromData.classify(images, [n, h, w, 1]));

    await expect(classifierFromRun(join(dir, 'nothing'))).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining('does not exist') });
    await expect(classifierFromRun(run, { threads: 0 })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('threads') });
    await expect(classifierFromRun(run, { head: 'head' })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('mix_k, one_k, mix_q, one_q') });
  });

  it('classifies image files as the same bytes: grey PNGs, RGB ones with equal channels, and resized ones', async () => {
    await using classifier = await classifierFromRun(join(dir, 'run'));
    const folder = join(dir, 'files');
    await mkdir(folder);
    const paths = Array.from({ length: n }, (_, i) => join(folder, `${i}.png`));
    await Promise.all(paths.map((path, i) => greyPng(images.subarray(i * pixels, (i + 1) * pixels), path)));
    const fromFiles = await classifier.classifyFiles(paths);
    expect(fromFiles.map((p) => p.path)).toEqual(paths);
    same(fromFiles);

    // The same images as RGB with R = G = B decode to the same grey.
    const rgb = paths.map((_, i) => join(folder, `${i}-rgb.png`));
    await Promise.all(rgb.map((path, i) => sharp(Buffer.from(images.subarray(i * pixels, (i + 1) * pixels)), { raw: { width: w, height: h, channels: 1 } }).toColourspace('srgb').png().toFile(path)));
    same(await classifier.classifyFiles(rgb));

    // A file of another size is scaled to cover the input and cropped to it: a uniform image stays uniform.
    const wide = join(folder, 'wide.jpg');
    await sharp({ create: { width: 3 * w, height: 2 * h, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg({ quality: 100 }).toFile(wide);
    const [resized] = await classifier.classifyFiles([wide]);
    const [uniform] = await classifier.classify(new Uint8Array(pixels).fill(90), [1, h, w, 1]);
    expect(resized!.label).toBe(uniform!.label);
    expect(resized!.probability).toBeCloseTo(uniform!.probability, 2);

    const notImage = join(folder, 'notes.txt');
    await writeFile(notImage, 'not an image');
    await expect(classifier.classifyFiles([paths[0]!, notImage])).rejects.toMatchObject({ code: 'E_DATA', message: expect.stringContaining(notImage) });
  });
});
