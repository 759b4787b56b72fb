/**
 * The safetensors container (8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data). Writes float32; reads
 * every numeric dtype into float32.
 */
import { open, rename, writeFile } from 'node:fs/promises';
import { attempt, checkPath, readBytes } from './attempt.js';
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

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Half-precision bits → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Any stored dtype as float32 values (weights cross to the addon as float32; integer buffers such
 * as BN's num_batches_tracked or Swin's relative_position_index stay exact below 2^24).
 */
function toFloat32(dtype: string, bytes: Buffer, count: number): Float32Array {
  if (dtype === 'F32') {
    const out = new Float32Array(count);
    Buffer.from(out.buffer).set(bytes);
    return out;
  }
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // bfloat16 is the top half of a float32: one scratch word reinterprets it without allocating.
  const bits = new Uint32Array(1);
  const bitsAsFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F64': out[i] = view.getFloat64(i * 8, true); break;
      case 'F16': out[i] = halfToNumber(view.getUint16(i * 2, true)); break;
      case 'BF16': bits[0] = view.getUint16(i * 2, true) << 16; out[i] = bitsAsFloat[0]!; break;
      case 'I64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'I32': out[i] = view.getInt32(i * 4, true); break;
      case 'I16': out[i] = view.getInt16(i * 2, true); break;
      case 'I8': out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); break; // U8, BOOL
    }
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
    const [begin, end] = entry.data_offsets;
    if (!(begin >= 0 && end >= begin && end <= data.length)) throw bad(`tensor ${name} lies outside the file`);
    const width = DTYPE_BYTES[entry.dtype];
    if (width === undefined) throw bad(`tensor ${name} has dtype ${entry.dtype}; readable: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (count * width !== end - begin) throw bad(`tensor ${name}: its shape [${entry.shape.join(', ')}] does not match its ${end - begin} bytes`);
    const copy = toFloat32(entry.dtype, data.subarray(begin, end), count);
    out[name] = { shape: entry.shape, values: copy };
  }
  return out;
}

/** Atomic: written to a temporary file, then renamed over the target. */
export async function writeSafetensors(path: string, tensors: TensorMap, metadata?: Record<string, string>): Promise<void> {
  const tmp = `${checkPath(path)}.tmp`;
  try {
    await writeFile(tmp, encodeSafetensors(tensors, metadata));
    await rename(tmp, path);
  } catch (error) {
    if (error instanceof AdautomixError) throw error;
    throw new AdautomixError(`cannot write ${path}: ${(error as Error).message}`, 'E_IO', undefined, { cause: error });
  }
}

export async function readSafetensors(path: string): Promise<TensorMap> {
  return decodeSafetensors(await readBytes(path), path);
}

/**
 * A file's `__metadata__` (string to string; {} without one), read from its header alone, so a
 * large weights file is not loaded to learn what it holds.
 */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string>> {
  checkPath(path);
  const header = await attempt(`read ${path}`, async () => {
    const file = await open(path, 'r');
    try {
      const size = Buffer.alloc(8);
      const { bytesRead } = await file.read(size, 0, 8, 0);
      if (bytesRead < 8) return null;
      const length = Number(size.readBigUInt64LE(0));
      if (length > (await file.stat()).size - 8) return null;
      const text = Buffer.alloc(length);
      await file.read(text, 0, length, 8);
      return text.toString('utf8');
    } finally {
      await file.close();
    }
  });
  const bad = new AdautomixError(`${path} is not a valid safetensors file: its header is truncated or not JSON`, 'E_DATA');
  if (header === null) throw bad;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    throw bad;
  }
  const metadata = (parsed as { __metadata__?: unknown }).__metadata__;
  if (typeof metadata !== 'object' || metadata === null) return {};
  return Object.fromEntries(Object.entries(metadata).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
