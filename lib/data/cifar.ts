/**
 * CIFAR-10 and CIFAR-100 from the user's copy, in either official layout: the binary version
 * (cifar-10-batches-bin, cifar-100-binary) or the Python version (cifar-10-batches-py,
 * cifar-100-python), read without Python (lib/data/pickle.ts). `dir` may be the extracted folder
 * itself or the folder that holds it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdautomixError } from '../errors.js';
import type { DatasetSplits, ImageDataset } from './dataset.js';
import { latin1Text, type PickleValue, readPickle } from './pickle.js';

export type CifarName = 'cifar10' | 'cifar100';

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

/**
 * The CIFAR-10 statistics, which OpenMixup's configs use for CIFAR-100 too (ALGORITHMS.md §5.1),
 * so that results compare with the published tables.
 */
export const CIFAR_STATS = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

interface Layout {
  kind: 'binary' | 'python';
  folder: string;
  train: string[];
  test: string[];
  meta: string | null;
}

function layouts(name: CifarName): Layout[] {
  const batches = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`);
  return name === 'cifar10'
    ? [
        { kind: 'binary', folder: 'cifar-10-batches-bin', train: batches.map((b) => `${b}.bin`), test: ['test_batch.bin'], meta: 'batches.meta.txt' },
        { kind: 'python', folder: 'cifar-10-batches-py', train: batches, test: ['test_batch'], meta: 'batches.meta' },
      ]
    : [
        { kind: 'binary', folder: 'cifar-100-binary', train: ['train.bin'], test: ['test.bin'], meta: 'fine_label_names.txt' },
        { kind: 'python', folder: 'cifar-100-python', train: ['train'], test: ['test'], meta: 'meta' },
      ];
}

/** The official folder names of a CIFAR version's layouts (binary first). */
export function cifarFolders(name: CifarName): string[] {
  return layouts(name).map((l) => l.folder);
}

function expected(name: CifarName): string {
  return layouts(name)
    .map((l) => `${l.folder}/ (${l.kind}: ${[...l.train, ...l.test].join(', ')})`)
    .join(' or ');
}

/** The first layout whose files are all there, in dir itself or in its official sub-folder. */
function locate(name: CifarName, dir: string): Layout {
  for (const layout of layouts(name)) {
    for (const folder of [dir, join(dir, layout.folder)]) {
      if ([...layout.train, ...layout.test].every((f) => existsSync(join(folder, f)))) return { ...layout, folder };
    }
  }
  const label = name === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  throw new AdautomixError(
    `${label} was not found in ${dir}. Expected ${expected(name)}, in that folder or directly in it. ` +
      `Download the binary or Python version from https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass --data DIR.`,
    'E_DATA',
  );
}

/** Planar CHW records (R plane, G plane, B plane) into interleaved HWC. */
function toHwc(planar: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * PIXELS);
  const plane = SIDE * SIDE;
  for (let i = 0; i < count; i++) {
    const src = i * PIXELS;
    for (let p = 0; p < plane; p++) {
      out[src + p * 3] = planar[src + p]!;
      out[src + p * 3 + 1] = planar[src + plane + p]!;
      out[src + p * 3 + 2] = planar[src + 2 * plane + p]!;
    }
  }
  return out;
}

interface Part {
  planar: Uint8Array;
  labels: number[];
}

async function readBinary(name: CifarName, path: string): Promise<Part> {
  const bytes = new Uint8Array(await readFile(path));
  const header = name === 'cifar10' ? 1 : 2; // CIFAR-100: coarse label, then fine label
  const record = header + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new AdautomixError(`${path} holds ${bytes.length} bytes, not a whole number of ${record}-byte ${name} records`, 'E_DATA');
  }
  const count = bytes.length / record;
  const planar = new Uint8Array(count * PIXELS);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    labels.push(bytes[i * record + header - 1]!);
    planar.set(bytes.subarray(i * record + header, (i + 1) * record), i * PIXELS);
  }
  return { planar, labels };
}

function field(d: Map<string, PickleValue>, key: string, path: string): PickleValue {
  if (!d.has(key)) throw new AdautomixError(`${path} has no '${key}' entry (found: ${[...d.keys()].join(', ')})`, 'E_DATA');
  return d.get(key)!;
}

async function readPython(name: CifarName, path: string): Promise<Part> {
  const root = readPickle(new Uint8Array(await readFile(path)), path);
  if (!(root instanceof Map)) throw new AdautomixError(`${path} does not hold a dict`, 'E_DATA');
  const data = field(root, 'data', path);
  if (typeof data !== 'object' || data === null || !('kind' in data) || data.kind !== 'ndarray' || !/^[|<>]?u1$/.test(data.dtype)) {
    throw new AdautomixError(`${path}: 'data' is not a uint8 NumPy array`, 'E_DATA');
  }
  const [count, width] = data.shape;
  if (data.shape.length !== 2 || width !== PIXELS || data.data.length !== count! * PIXELS) {
    throw new AdautomixError(`${path}: 'data' has shape [${data.shape.join(', ')}], expected [N, ${PIXELS}]`, 'E_DATA');
  }
  const labels = field(root, name === 'cifar10' ? 'labels' : 'fine_labels', path);
  if (!Array.isArray(labels) || labels.length !== count || !labels.every((l) => typeof l === 'number')) {
    throw new AdautomixError(`${path}: the labels are not a list of ${count} integers`, 'E_DATA');
  }
  return { planar: data.data, labels: labels as number[] };
}

async function readClassNames(layout: Layout, name: CifarName): Promise<string[] | undefined> {
  if (layout.meta === null) return undefined;
  const path = join(layout.folder, layout.meta);
  if (!existsSync(path)) return undefined;
  const bytes = new Uint8Array(await readFile(path));
  if (layout.kind === 'binary') {
    return new TextDecoder().decode(bytes).split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  }
  const meta = readPickle(bytes, path);
  const names = meta instanceof Map ? meta.get(name === 'cifar10' ? 'label_names' : 'fine_label_names') : undefined;
  if (!Array.isArray(names)) return undefined;
  return names.map((n) => (n instanceof Uint8Array ? latin1Text(n) : String(n)));
}

async function readSplit(name: CifarName, layout: Layout, files: string[], split: 'train' | 'test'): Promise<ImageDataset> {
  const classes = name === 'cifar10' ? 10 : 100;
  const parts: Part[] = [];
  for (const f of files) {
    const path = join(layout.folder, f);
    const part = layout.kind === 'binary' ? await readBinary(name, path) : await readPython(name, path);
    const bad = part.labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= classes);
    if (bad >= 0) throw new AdautomixError(`${path}: label ${part.labels[bad]} of record ${bad} is not a class 0..${classes - 1}`, 'E_DATA');
    parts.push(part);
  }
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const planar = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let offset = 0;
  for (const p of parts) {
    planar.set(p.planar, offset * PIXELS);
    labels.set(p.labels, offset);
    offset += p.labels.length;
  }
  return {
    images: toHwc(planar, count),
    labels,
    count,
    height: SIDE,
    width: SIDE,
    channels: 3,
    numClasses: classes,
    source: `${name}:${split} (${layout.kind}, ${layout.folder})`,
  };
}

export async function loadCifar(name: CifarName, dir: string): Promise<DatasetSplits> {
  const layout = locate(name, dir);
  const [train, test, classNames] = await Promise.all([
    readSplit(name, layout, layout.train, 'train'),
    readSplit(name, layout, layout.test, 'test'),
    readClassNames(layout, name),
  ]);
  return { train, test, classNames, stats: { mean: [...CIFAR_STATS.mean], std: [...CIFAR_STATS.std] } };
}
