/**
 * The safetensors container (8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data), float32 only.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { AdautomixError } from '../errors.js';

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export type TensorMap = Record<string, HostTensor>;

export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.values.length) {
      throw new AdautomixError(`tensor ${name}: shape [${t.shape}] needs ${expected} values, got ${t.values.length}`, 'E_SHAPE');
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const v = tensors[name]!.values;
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, at);
    at += v.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Buffer, source = 'safetensors data'): TensorMap {
  const bad = (why: string) => new AdautomixError(`${source} is not a valid safetensors file: ${why}`, 'E_DATA');
  if (bytes.length < 8) throw bad('shorter than its 8-byte header length');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8) throw bad('the header is truncated');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw bad('the header is not JSON');
  }
  const data = bytes.subarray(8 + headerLength);
  const out: TensorMap = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32') throw bad(`tensor ${name} has dtype ${entry.dtype}; only F32 is read`);
    const [begin, end] = entry.data_offsets;
    if (!(begin >= 0 && end >= begin && end <= data.length)) throw bad(`tensor ${name} lies outside the file`);
    const copy = new Float32Array((end - begin) / 4);
    Buffer.from(copy.buffer).set(data.subarray(begin, end));
    out[name] = { shape: entry.shape, values: copy };
  }
  return out;
}

/** Atomic: written to a temporary file, then renamed over the target. */
export async function writeSafetensors(path: string, tensors: TensorMap, metadata?: Record<string, string>): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    await writeFile(tmp, encodeSafetensors(tensors, metadata));
    await rename(tmp, path);
  } catch (error) {
    if (error instanceof AdautomixError) throw error;
    throw new AdautomixError(`cannot write ${path}: ${(error as Error).message}`, 'E_IO', undefined, { cause: error });
  }
}

export async function readSafetensors(path: string): Promise<TensorMap> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new AdautomixError(`cannot read ${path}: ${(error as Error).message}`, 'E_IO', undefined, { cause: error });
  }
  return decodeSafetensors(bytes, path);
}
