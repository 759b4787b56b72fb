/** MNIST from IDX files the test writes (plain and gzipped), through the config's dataset name. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { loadDataset } from '../lib/data/load.js';

/** An IDX file: magic (0, 0, ubyte 0x08, rank), big-endian dims, then the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

describe('MNIST', () => {
  it('reads the four IDX files (gzipped or not) with MNIST statistics, and names them when missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-mnist-'));
    const images = (n: number) => Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 13) % 256);
    const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
    await writeFile(join(dir, 'train-images-idx3-ubyte'), idx([20, 28, 28], images(20)));
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([20], labels(20))));
    await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx([10, 28, 28], images(10))));
    await expect(loadDataset(resolveConfig({ dataset: { name: 'mnist', dir } }).dataset)).rejects.toThrow(/MNIST file .*t10k-labels-idx1-ubyte\.gz .* is missing/);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idx([10], labels(10)));
    const data = await loadDataset(resolveConfig({ dataset: { name: 'mnist', dir } }).dataset);
    expect([data.train.count, data.test.count, data.train.height, data.train.channels, data.train.numClasses]).toEqual([20, 10, 28, 1, 10]);
    expect(data.stats).toEqual({ mean: [0.1307], std: [0.3081] });
    expect(Array.from(data.test.labels)).toEqual(Array.from(labels(10), Number));
    expect(() => resolveConfig({ dataset: { name: 'mnist' } })).toThrow(/dataset.dir \(--data\) is required for mnist/);
  });
});
