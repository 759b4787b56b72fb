#!/usr/bin/env node
// Loader throughput (issue: the training engine), loader only, no model: per source, the one-time
// read/decode into memory (img/s) and the per-batch work a training step waits for: the sample
// gather in JavaScript plus the native augmentation (img/s). Sources:
//   cifar-binary   synthetic CIFAR-10 in the binary layout (50k + 10k records), crop 4 + flip
//   jpeg-64        a JPEG class-folder dataset of 64x64 images, RandomResizedCrop 64 + flip
//   jpeg-224       a JPEG class-folder dataset of 500x375 photos stored at 256, RandomResizedCrop
//                  224 (scale 0.5-1) + flip
// For the JPEG sources also: the same per-step work when the dataset is decoded per batch
// (dataset.cacheBudgetMB below its size), which then includes the decoding.
// The fixtures are written to a temporary folder first (not timed).
//
//   npm run build:ts && node benchmarks/loader.mjs [--jpegs 2000] [--batch 100] [--batches 50]
//        [--threads N] [--json]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(pathToFileURL(path.join(repoRoot, 'dist', p)).href);

const { values } = parseArgs({
  options: {
    jpegs: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '100' },
    batches: { type: 'string', default: '50' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    json: { type: 'boolean', default: false },
  },
});
const jpegs = Number(values.jpegs);
const batch = Number(values.batch);
const batches = Number(values.batches);
const threads = Number(values.threads);

const { loadCifar } = await dist('data/cifar.js');
const { loadImageDataset } = await dist('data/images.js');
const { BatchRing } = await dist('data/batcher.js');
const { DecodedOnDemand } = await dist('data/decode.js');
const { scanClassFolders } = await dist('data/image-folder.js');
const { epochOrder } = await dist('data/sampler.js');
const { loadNative } = await dist('native.js');
const native = loadNative();

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'adx-loader-'));
let seed = 1;
const noise = (n) => {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 23;
  return out;
};

async function writeCifar() {
  const dir = path.join(tmp, 'cifar-10-batches-bin');
  await fs.mkdir(dir);
  const file = (count) => noise(count * 3073).map((v, i) => (i % 3073 === 0 ? v % 10 : v));
  for (let b = 1; b <= 5; b++) await fs.writeFile(path.join(dir, `data_batch_${b}.bin`), file(10000));
  await fs.writeFile(path.join(dir, 'test_batch.bin'), file(10000));
  return dir;
}

/** A smooth synthetic photo (gradients plus noise), so JPEG sizes are realistic. */
function photo(width, height, k) {
  const data = Buffer.alloc(width * height * 3);
  const n = noise(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        data[i] = (((x * (c + 1) + y * (3 - c) + k * 37) % 256) * 3 + (n[i] % 64)) >> 2;
      }
    }
  }
  return data;
}

async function writeJpegFolder(name, width, height, count) {
  const root = path.join(tmp, name);
  for (const split of ['train', 'val']) {
    const n = split === 'train' ? count : Math.max(10, count / 10);
    for (let k = 0; k < n; k++) {
      const dir = path.join(root, split, `c${k % 10}`);
      await fs.mkdir(dir, { recursive: true });
      const jpeg = await sharp(photo(width, height, k), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      await fs.writeFile(path.join(dir, `${k}.jpg`), jpeg);
    }
  }
  return root;
}

/** Gather + native augmentation over `batches` batches of a dataset: img/s. */
function batchRate(dataset, augment) {
  const ring = new BatchRing(dataset, batch, 3);
  const order = epochOrder(dataset.count, 0, 0);
  const rounds = Math.min(batches, Math.floor(dataset.count / batch));
  const started = performance.now();
  for (let b = 0; b < rounds; b++) {
    const g = ring.gather(order, b * batch, batch);
    native.augmentBatch(g.images, g.shape, augment, b, true);
  }
  return (rounds * batch) / ((performance.now() - started) / 1000);
}

/** The same for a dataset decoded per batch (fetch awaits the decoding). */
async function lazyRate(dataset, augment) {
  const ring = new BatchRing(dataset, batch, 3);
  const order = epochOrder(dataset.count, 0, 0);
  const rounds = Math.min(5, Math.floor(dataset.count / batch));
  const started = performance.now();
  for (let b = 0; b < rounds; b++) {
    const g = await ring.fetch(order, b * batch, batch);
    native.augmentBatch(g.images, g.shape, augment, b, true);
  }
  return (rounds * batch) / ((performance.now() - started) / 1000);
}

const results = [];
{
  const dir = await writeCifar();
  const started = performance.now();
  const data = await loadCifar('cifar10', dir);
  const loadSeconds = (performance.now() - started) / 1000;
  const augment = { cropPadding: 4, flip: true, mean: [0.49, 0.48, 0.45], std: [0.2, 0.2, 0.2] };
  results.push({ source: 'cifar-binary', images: data.train.count + data.test.count, load_img_per_s: (data.train.count + data.test.count) / loadSeconds, batch_img_per_s: batchRate(data.train, augment) });
}
for (const [name, width, height, store, augment] of [
  ['jpeg-64', 64, 64, 64, { resizedCrop: { size: 64, scale: [0.08, 1], ratio: [0.75, 4 / 3], interpolation: 'bicubic' }, evalResize: 64 }],
  ['jpeg-224', 500, 375, 256, { resizedCrop: { size: 224, scale: [0.5, 1], ratio: [0.75, 4 / 3], interpolation: 'bicubic' }, evalCrop: 224 }],
]) {
  const count = name === 'jpeg-224' ? Math.max(200, Math.floor(jpegs / 4)) : jpegs;
  const dir = await writeJpegFolder(name, width, height, count);
  const settings = { imageSize: store, trainList: '', testList: '', imageRoot: '', cacheBudgetMB: 8192, decodeConcurrency: threads };
  const started = performance.now();
  const data = await loadImageDataset('image-folder', dir, settings);
  const decodeSeconds = (performance.now() - started) / 1000;
  const full = { cropPadding: 0, flip: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], ...augment };
  const lazy = { ...data.train, images: new Uint8Array(0), lazy: new DecodedOnDemand((await scanClassFolders(dir)).train, store, threads) };
  results.push({
    source: name, images: data.train.count + data.test.count, load_img_per_s: (data.train.count + data.test.count) / decodeSeconds,
    batch_img_per_s: batchRate(data.train, full), per_batch_decode_img_per_s: await lazyRate(lazy, full),
  });
}
await fs.rm(tmp, { recursive: true, force: true });

const summary = { benchmark: 'loader', threads, batch, machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() }, results };
if (values.json) {
  console.log(JSON.stringify(summary));
} else {
  for (const r of results) {
    const lazy = r.per_batch_decode_img_per_s ? `, decoded per batch ${r.per_batch_decode_img_per_s.toFixed(0)} img/s` : '';
    console.log(`${r.source.padEnd(14)} ${String(r.images).padStart(6)} images: read/decode ${r.load_img_per_s.toFixed(0).padStart(7)} img/s, gather + augment ${r.batch_img_per_s.toFixed(0).padStart(7)} img/s${lazy}`);
  }
}
