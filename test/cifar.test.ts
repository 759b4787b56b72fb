/**
 * CIFAR-10/100 in the four official layouts, read without Python, against what Python's own
 * pickle and NumPy say the files hold (test/fixtures/make_cifar_fixture.py writes both). The
 * pickle reader covers protocols 0, 2, 4 and 5 and refuses globals that would run code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { loadCifar } from '../lib/data/cifar.js';
import { loadDataset } from '../lib/data/load.js';
import { readPickle } from '../lib/data/pickle.js';

const python = process.env.ADX_PYTHON ?? '/usr/bin/python3';
const root = mkdtempSync(join(tmpdir(), 'adx-cifar-'));
execFileSync(python, [join(__dirname, 'fixtures', 'make_cifar_fixture.py'), root]);
const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Record<
  'cifar10' | 'cifar100',
  { train: { images: number[]; labels: number[] }; test: { images: number[]; labels: number[] }; classNames: string[] }
>;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['cifar10', 'cifar-10-batches-py'],
  ['cifar10', 'cifar-10-batches-bin'],
  ['cifar100', 'cifar-100-python'],
  ['cifar100', 'cifar-100-binary'],
] as const)('%s from %s', (name, folder) => {
  it('gives the images (HWC), labels and class names that Python reads', async () => {
    {
      const d = await loadCifar(name, join(root, folder));
      for (const split of ['train', 'test'] as const) {
        const want = expected[name][split];
        expect(d[split].count).toBe(want.labels.length);
        expect([d[split].height, d[split].width, d[split].channels]).toEqual([32, 32, 3]);
        expect(d[split].numClasses).toBe(name === 'cifar10' ? 10 : 100);
        expect(Array.from(d[split].labels)).toEqual(want.labels);
        expect(Buffer.from(d[split].images).equals(Buffer.from(want.images))).toBe(true);
      }
      expect(d.classNames).toEqual(expected[name].classNames);
      expect(d.stats.mean).toEqual([0.4914, 0.4822, 0.4465]);
    }
  });
});

describe('CIFAR layouts and errors', () => {
  it('finds the official sub-folder from its parent and prefers the binary version', async () => {
    const d = await loadCifar('cifar100', root);
    expect(d.train.source).toContain('binary');
    expect(d.train.count).toBe(expected.cifar100.train.labels.length);
  });

  it('names the layouts it looked for when nothing is there', async () => {
    await expect(loadCifar('cifar10', join(root, 'cifar-100-python'))).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining('cifar-10-batches-bin/ (binary: data_batch_1.bin'),
    });
  });

  it('names the file and record of a label out of range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adx-cifar-bad-'));
    try {
      const record = new Uint8Array(1 + 3072);
      for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
        record[0] = f === 'data_batch_3' ? 12 : 1;
        writeFileSync(join(dir, `${f}.bin`), record);
      }
      await expect(loadCifar('cifar10', dir)).rejects.toMatchObject({ code: 'E_DATA', message: expect.stringMatching(/data_batch_3\.bin: label 12 of record 0/) });
      writeFileSync(join(dir, 'test_batch.bin'), new Uint8Array(100));
      await expect(loadCifar('cifar10', dir)).rejects.toMatchObject({ message: expect.stringContaining('not a whole number of 3073-byte') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a pickle that would call a function', () => {
    expect(() => readPickle(new Uint8Array(readFileSync(join(root, 'evil.pickle'))), 'evil.pickle')).toThrow(/global posix\.system/);
    expect(() => readPickle(new Uint8Array([0x80, 0x02, 0x7d]), 'short.pickle')).toThrow(/empty stack|ends early/);
  });

  // Protocol 0 writes bytes as latin-1 text. A windows-1252 decode (what TextDecoder('latin1') is
  // on Node 24) changes 0x80-0x9F, so this fails there unless the reader decodes real latin-1.
  it('reads every byte value of a protocol-0 pickle as Python wrote it', () => {
    const script = 'import pickle, sys; sys.stdout.buffer.write(pickle.dumps({b"k\\x80\\x9f\\xff": bytes(range(256))}, 0))';
    const value = readPickle(new Uint8Array(execFileSync(python, ['-c', script])), 'bytes.pickle');
    expect(value instanceof Map).toBe(true);
    const map = value as Map<string, unknown>;
    expect([...map.keys()]).toEqual(['k\x80\x9f\xff']);
    expect(Array.from(map.get('k\x80\x9f\xff') as Uint8Array)).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it("has the published CIFAR-100 presets, which ask for the user's data", () => {
    expect(() => resolveConfig({ preset: 'cifar100-r18-adautomix-800e' })).toThrow('dataset.dir (--data) is required for cifar100');
    const r18 = resolveConfig({ preset: 'cifar100-r18-adautomix-800e', dataset: { dir: root } });
    expect(r18.dataset.name).toBe('cifar100');
    expect(r18.model).toMatchObject({ arch: 'resnet18_cifar', baseWidth: 64 });
    expect(r18.optimizer).toMatchObject({ lr: 0.1, minLr: 0.05, weightDecay: 1e-4, lrStepping: 'epoch' });
    expect([r18.epochs, r18.batchSize, r18.augment.cropPadding, r18.augment.flip]).toEqual([800, 100, 4, true]);
    expect(r18.method.learned).toMatchObject({ mixSamples: 3, betaRatio: 0.3, lamMargin: 0.03, upsample: 'bilinear' });
    expect(resolveConfig({ preset: 'cifar100-r18-automix-800e', dataset: { dir: root } }).method).toMatchObject({ name: 'automix', alpha: 2 });
    const rx50 = resolveConfig({ preset: 'cifar100-rx50-adautomix-800e', dataset: { dir: root } });
    expect([rx50.model.arch, rx50.optimizer.minLr]).toEqual(['resnext50_32x4d_cifar', 0.08]);
  });

  it('is a dataset of the config, with its folder required', async () => {
    expect(() => resolveConfig({ dataset: { name: 'cifar10' } })).toThrow('dataset.dir (--data) is required for cifar10');
    const c = resolveConfig({ dataset: { name: 'cifar10', dir: root, trainLimit: 3 } });
    const d = await loadDataset(c.dataset);
    expect(d.train.count).toBe(3);
    expect(d.test.count).toBe(expected.cifar10.test.labels.length);
  });
});
