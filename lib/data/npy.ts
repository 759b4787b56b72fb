/**
 * NumPy .npy files (format versions 1-3) of uint8 or integer arrays in C order, as the CIFAR-10-C
 * and CIFAR-100-C releases ship them (images uint8 [n, 32, 32, 3], labels int64 [n]).
 */
import { AdautomixError } from '../errors.js';
import { readBytes } from '../io/attempt.js';

export interface NpyArray {
  shape: number[];
  /** uint8 data as is; integer data as Int32Array. */
  data: Uint8Array | Int32Array;
}

const bad = (path: string, why: string) => new AdautomixError(`${path} is not a readable .npy array: ${why}`, 'E_DATA');

export async function readNpy(path: string): Promise<NpyArray> {
  const bytes = await readBytes(path, 'E_DATA');
  if (bytes.length < 10 || bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw bad(path, 'no NUMPY magic');
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad(path, `unparsable header ${header.trim()}`);
  if (fortran === 'True') throw bad(path, 'Fortran order is not supported');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start);
  const width: Record<string, number> = { '|u1': 1, '<i8': 8, '<i4': 4, '<u8': 8, '<u4': 4 };
  const size = width[descr];
  if (size === undefined) throw bad(path, `dtype ${descr} (expected uint8 or little-endian integers)`);
  if (body.length < count * size) throw bad(path, `${body.length} data bytes for shape (${shape.join(', ')}) of ${descr}`);
  if (size === 1) return { shape, data: new Uint8Array(body.buffer, body.byteOffset, count) };
  const data = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = size === 8 ? Number(descr === '<i8' ? body.readBigInt64LE(i * 8) : body.readBigUInt64LE(i * 8)) : descr === '<i4' ? body.readInt32LE(i * 4) : body.readUInt32LE(i * 4);
    data[i] = v;
  }
  return { shape, data };
}
