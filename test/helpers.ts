import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import type { DatasetSplits, ImageDataset } from '../lib/data/dataset.js';
import { SPEED_DEFAULTS } from '../lib/config/speed.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../lib/data/fashion-mnist.js';
import type { TensorRecord } from '../lib/native.js';

export const hasFashionMnist = existsSync(`${DEFAULT_FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);

/** A deterministic synthetic dataset: class k images are bright in horizontal band k. */
export function bandDataset(count: number, size = 12, channels = 1, classes = 4, seed = 1): ImageDataset {
  const images = new Uint8Array(count * size * size * channels);
  const labels = new Int32Array(count);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const band = Math.floor(size / classes);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < channels; c++) {
          const inBand = y >= label * band && y < (label + 1) * band;
          images[((i * size + y) * size + x) * channels + c] = Math.floor((inBand ? 160 : 40) + rand() * 60);
        }
      }
    }
  }
  return { images, labels, count, height: size, width: size, channels, numClasses: classes, source: 'synthetic bands' };
}

export function bandSplits(trainCount = 64, testCount = 32, size = 12): DatasetSplits {
  return {
    train: bandDataset(trainCount, size, 1, 4, 1),
    test: bandDataset(testCount, size, 1, 4, 2),
    stats: { mean: [0.3], std: [0.25] },
  };
}

/**
 * The device the device-agnostic tests train on: the CPU, or what ADX_TEST_DEVICE names (the
 * CUDA run of the suite: ADX_TEST_DEVICE=cuda; see scripts/gpu-run.sh).
 */
export const testDevice = (process.env.ADX_TEST_DEVICE ?? 'cpu') as 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * Whether two runs of the same seed give bitwise the same training: on the CPU, yes. On CUDA,
 * cuDNN's weight-gradient kernels and atomic additions sum in an order that varies from run to
 * run, so the same run differs in its last bits and a few steps grow that; there the tests that
 * compare whole runs allow CUDA_REPEAT_TOLERANCE (relative, see `relative`) instead.
 */
export const bitwiseRepeatable = testDevice === 'cpu';
export const CUDA_REPEAT_TOLERANCE = 1e-2;

/** Two records of a run that must have trained alike: bitwise on the CPU, within CUDA_REPEAT_TOLERANCE on CUDA. */
export function expectSameRunTensors(a: TensorRecord, b: TensorRecord): void {
  if (!bitwiseRepeatable) {
    const worst = worstTensorError(a, b);
    console.log(`same run on ${testDevice}: worst relative difference ${worst.error} in ${worst.name}`);
    expect(worst.error, worst.name).toBeLessThan(CUDA_REPEAT_TOLERANCE);
    return;
  }
  expectBitwiseEqualTensors(a, b);
}

/** The same tensor names, and every tensor's bytes equal. */
export function expectBitwiseEqualTensors(a: TensorRecord, b: TensorRecord): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const [name, t] of Object.entries(a)) {
    expect(Buffer.from(t.values.buffer).equals(Buffer.from(b[name]!.values.buffer)), name).toBe(true);
  }
}

/** Two numbers of runs that must have trained alike (a loss, a top-1): equal on the CPU, close on CUDA. */
export function expectSameRunValue(a: number, b: number, what: string): void {
  if (bitwiseRepeatable) expect(a, what).toBe(b);
  else expect(relative(a, b), what).toBeLessThan(CUDA_REPEAT_TOLERANCE);
}

/**
 * The speed options of the parity tests against benchmarks/reference: IEEE fp32, no TF32 on a GPU
 * (the reference's check_device.py does the same on its side), so fp32 tolerances hold on CUDA.
 */
export const PARITY_SPEED = { ...SPEED_DEFAULTS, tf32: 'off' } as const;

/** A small, fast config for tests. */
export const tinyConfig = {
  model: { baseWidth: 4 },
  batchSize: 16,
  epochs: 1,
  threads: 2,
  device: testDevice,
  seed: 7,
};

/** |a − b| relative to |b|, with values near 0 compared absolutely (below 1e-2). */
export const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-2);

/**
 * The largest relative difference between two records of the same tensors (names and shapes are
 * asserted equal), and where it is; a NaN difference counts as the worst.
 */
export function worstTensorError(a: TensorRecord, b: TensorRecord): { error: number; name: string } {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let worst = { error: 0, name: '' };
  for (const [name, tensor] of Object.entries(a)) {
    const other = b[name]!;
    expect(tensor.shape, name).toEqual(other.shape);
    for (let i = 0; i < tensor.values.length; i++) {
      const e = relative(tensor.values[i]!, other.values[i]!);
      if (e > worst.error || Number.isNaN(e)) worst = { error: e, name };
    }
  }
  return worst;
}
