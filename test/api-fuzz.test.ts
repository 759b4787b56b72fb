/**
 * The public API called from plain JavaScript with values of the wrong kind: every failure is an
 * AdautomixError with a code (E_CONFIG, E_DATA, E_SHAPE, E_CHECKPOINT...), never a TypeError from
 * inside the library. Covers createTrainer's in-memory data, fit() options, the trainer's methods,
 * resumeTrainer, readBestRecord, createMixer and mix(), and the classifier.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdautomixError } from '../lib/errors.js';
import { classifierFromRun, createMixer, createTrainer, exportRun, holdOutSplits, holdoutIndices, readBestRecord, resumeTrainer, RunDir, torchvisionState, type Trainer } from '../lib/index.js';

const WRONG: [string, unknown][] = [
  ['missing', undefined], ['null', null], ['a string', 'x'], ['NaN', NaN], ['-1', -1], ['{}', {}], ['[]', []],
  ['true', true], ['a symbol', Symbol('x')], ['a function', () => 1], ['a Float32Array', new Float32Array(4)],
];
const size = 8;
const split = (count: number) => ({
  images: new Uint8Array(count * size * size).map((_, i) => i % 251),
  labels: Int32Array.from({ length: count }, (_, i) => i % 4),
  count, height: size, width: size, channels: 1, numClasses: 4, source: 'test',
});
const data = { train: split(32), test: split(16), stats: { mean: [0.5], std: [0.5] } };
const config = { epochs: 1, batchSize: 16, threads: 1, model: { baseWidth: 4 } };
const input = { shape: [1, 1, size, size], values: new Float32Array(size * size) };

/** Runs `call` for each wrong value; returns what failed otherwise than with an AdautomixError. */
async function misuses(cases: [string, (value: unknown) => unknown][]): Promise<string[]> {
  const wrong: string[] = [];
  for (const [name, call] of cases) {
    for (const [label, value] of WRONG) {
      try {
        await call(value);
      } catch (error) {
        if (!(error instanceof AdautomixError)) wrong.push(`${name} with ${label}: ${String(error)}`);
      }
    }
  }
  return wrong;
}

/** As `any`: these calls deliberately break the declared types. */
const loose = (f: unknown) => f as (...args: unknown[]) => Promise<unknown>;

describe('the public API given wrong values', () => {
  let trainer: Trainer;
  let folder: string;
  const inTemp = (v: unknown) => (typeof v === 'string' ? join(folder, v) : v);
  beforeAll(async () => {
    trainer = await createTrainer(config, { data });
    folder = await mkdtemp(join(tmpdir(), 'adx-api-fuzz-'));
  });
  afterAll(async () => {
    await trainer.dispose();
  });

  it('createTrainer and resumeTrainer answer with coded errors', async () => {
    const create = async (c: unknown, o: unknown) => (await loose(createTrainer)(c, o) as Trainer).dispose();
    const cases: [string, (v: unknown) => unknown][] = [
      ['createTrainer(v, { data })', (v) => create(v, { data })],
      ['createTrainer(config, v)', (v) => create(config, v)],
      ['createTrainer(config, { data: v })', (v) => create(config, { data: v })],
      ['resumeTrainer(v)', (v) => loose(resumeTrainer)(typeof v === 'string' ? join(tmpdir(), 'adx-no-such-run', v) : v)],
    ];
    for (const key of ['train', 'test', 'stats'] as const) cases.push([`data.${key}`, (v) => create(config, { data: { ...data, [key]: v } })]);
    for (const key of Object.keys(data.train)) {
      cases.push([`data.train.${key}`, (v) => create(config, { data: { ...data, train: { ...data.train, [key]: v } } })]);
    }
    for (const key of ['mean', 'std'] as const) cases.push([`data.stats.${key}`, (v) => create(config, { data: { ...data, stats: { ...data.stats, [key]: v } } })]);
    cases.push(['data.classNames', (v) => create(config, { data: { ...data, classNames: v } })]);
    cases.push(['holdOutSplits(v, setting)', (v) => holdOutSplits(v as never, { share: 0.5, seed: 0 })]);
    cases.push(['holdOutSplits(data, v)', (v) => holdOutSplits(data, v as never)]);
    cases.push(['holdoutIndices(v, setting)', (v) => holdoutIndices(v as never, { share: 0.5, seed: 0 })]);
    expect(await misuses(cases)).toEqual([]);
    await expect(create(config, { data: { ...data, classNames: ['a', 'b'] } })).rejects.toMatchObject({ code: 'E_DATA', message: expect.stringContaining('data.classNames must be 4 strings') });
  });

  it('classifiers answer with coded errors', async () => {
    const run = await RunDir.create(join(folder, 'run'));
    await run.writeConfig({ ...trainer.config, resolved: trainer.info });
    await trainer.saveWeights(run.weightsPath);
    const fromRun = async (dir: unknown, options: unknown) => (await loose(classifierFromRun)(dir, options) as { dispose(): Promise<void> }).dispose();
    const classifier = trainer.classifier() as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const images = data.test.images.subarray(0, 2 * size * size);
    const shape = [2, size, size, 1];
    const cases: [string, (v: unknown) => unknown][] = [
      ['classifierFromRun(v)', (v) => fromRun(inTemp(v), {})],
      ['classifierFromRun(dir, v)', (v) => fromRun(run.dir, v)],
      ['trainer.classifier(v)', (v) => (trainer.classifier as (o: unknown) => unknown)(v)],
      ['classify(v, shape)', (v) => classifier.classify!(v, shape)],
      ['classify(images, v)', (v) => classifier.classify!(images, v)],
      ['classify(images, shape, v)', (v) => classifier.classify!(images, shape, v)],
      ['logits(v, shape)', (v) => classifier.logits!(v, shape)],
      ['classifyFiles(v)', (v) => classifier.classifyFiles!(typeof v === 'string' ? [inTemp(v)] : v)],
      ['classifyFiles([v])', (v) => classifier.classifyFiles!([inTemp(v)])],
      ['classifyFiles(paths, v)', (v) => classifier.classifyFiles!([], v)],
    ];
    const exported = join(folder, 'exported.safetensors');
    const state = await trainer.weights();
    cases.push(
      ['exportRun(v, path)', (v) => loose(exportRun)(inTemp(v), exported)],
      ['exportRun(dir, v)', (v) => loose(exportRun)(run.dir, inTemp(v))],
      ['exportRun(dir, path, v)', (v) => loose(exportRun)(run.dir, exported, v)],
      ['exportRun weights', (v) => loose(exportRun)(run.dir, exported, { weights: v })],
      ['exportRun head', (v) => loose(exportRun)(run.dir, exported, { head: v })],
      ['torchvisionState(v, ...)', (v) => loose(torchvisionState)(v, 'resnet18_cifar', 'head', false)],
      ['torchvisionState(state, v, ...)', (v) => loose(torchvisionState)(state, v, 'head', false)],
      ['torchvisionState(state, arch, v, ...)', (v) => loose(torchvisionState)(state, 'resnet18_cifar', v, false)],
    );
    for (const key of ['head', 'weights', 'threads', 'device', 'data']) cases.push([`classifierFromRun ${key}`, (v) => fromRun(run.dir, { [key]: v })]);
    const png = join(folder, 'one.png');
    await sharp({ create: { width: size, height: size, channels: 3, background: '#777' } }).png().toFile(png);
    for (const key of ['top', 'onProgress']) cases.push([`classifyFiles ${key}`, (v) => classifier.classifyFiles!([png], { [key]: v })]);
    expect(await misuses(cases)).toEqual([]);
  });

  it('a trainer answers with coded errors and keeps working', async () => {
    const t = trainer as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const cases: [string, (v: unknown) => unknown][] = [
      ['fit(v)', (v) => t.fit!(v)],
      ['evaluate(v)', (v) => t.evaluate!(v)],
      ['restore(v)', (v) => t.restore!(v)],
      // A string is a valid path: kept inside a temporary folder.
      ['saveWeights(v)', (v) => t.saveWeights!(inTemp(v))],
      ['saveWeights(path, v)', (v) => t.saveWeights!(join(folder, 'meta.safetensors'), v)],
      ['readBestRecord(v)', (v) => loose(readBestRecord)(inTemp(v))],
      ['loadWeights(v)', (v) => t.loadWeights!(inTemp(v))],
      ['resume(v)', (v) => t.resume!(inTemp(v))],
      ['forward(v)', (v) => t.forward!(v)],
      ['forward(input, v)', (v) => t.forward!(input, v)],
      ['inputGradient(v, labels, head)', (v) => t.inputGradient!(v, new Int32Array(1), 'one')],
      ['inputGradient(input, v, head)', (v) => t.inputGradient!(input, v, 'one')],
      ['inputGradient(input, labels, v)', (v) => t.inputGradient!(input, new Int32Array(1), v)],
    ];
    for (const key of ['signal', 'onProgress', 'onEpochEnd', 'checkpoints', 'onCheckpoint']) cases.push([`fit({ ${key}: v })`, (v) => t.fit!({ [key]: v })]);
    cases.push(['fit({ bestWeights: v })', (v) => t.fit!({ bestWeights: inTemp(v) })]);
    for (const key of Object.keys(data.test)) cases.push([`evaluate dataset.${key}`, (v) => t.evaluate!({ ...data.test, [key]: v })]);
    expect(await misuses(cases)).toEqual([]);
    // The wrong calls changed nothing: it still trains and evaluates.
    expect((await trainer.fit()).epochsCompleted).toBe(1);
    expect((await trainer.evaluate()).count).toBe(16);
  });

  it('createMixer and mix() answer with coded errors', async () => {
    const base = { method: 'cutmix', channels: 1, classes: 4, mean: [0.5], std: [0.5], model: { baseWidth: 4 }, threads: 1 };
    const create = async (o: unknown) => (await loose(createMixer)(o) as { dispose(): Promise<void> }).dispose();
    const cases: [string, (v: unknown) => unknown][] = [['createMixer(v)', (v) => create(v)]];
    for (const key of [...Object.keys(base), 'weights', 'imageSize', 'device', 'seed']) cases.push([`createMixer ${key}`, (v) => create({ ...base, [key]: v })]);
    const mixer = await createMixer({ ...base, method: 'adautomix' });
    const m = mixer as unknown as { mix: (...args: unknown[]) => Promise<unknown> };
    const shape = [4, size, size, 1];
    const images = new Uint8Array(4 * size * size);
    cases.push(
      ['mix(v, shape)', (v) => m.mix(v, shape)],
      ['mix(images, v)', (v) => m.mix(images, v)],
      ['mix(images, shape, v)', (v) => m.mix(images, shape, v)],
      ['mix labels', (v) => m.mix(images, shape, { labels: v })],
      ['mix seed', (v) => m.mix(images, shape, { seed: v })],
      ['mix forced', (v) => m.mix(images, shape, { forced: v })],
      ['mix forced.generator', (v) => m.mix(images, shape, { forced: { generator: v } })],
    );
    try {
      expect(await misuses(cases)).toEqual([]);
    } finally {
      await mixer.dispose();
    }
  });
});
