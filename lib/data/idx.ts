/**
 * Reader for the IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, type, rank), rank
 * big-endian uint32 dimensions, then the data. Gzipped files (.gz) are inflated transparently.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { AdautomixError } from '../errors.js';

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export async function readIdxFile(path: string, howToGet: string): Promise<IdxArray> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(error)})`;
    throw new AdautomixError(`${path} ${what}. ${howToGet}`, 'E_DATA', undefined, { cause: error });
  }
  let bytes: Buffer = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new AdautomixError(`${path} is a corrupt or truncated gzip file. ${howToGet}`, 'E_DATA', undefined, {
        cause: error,
      });
    }
  }
  return parseIdx(bytes, path, howToGet);
}

export function parseIdx(bytes: Uint8Array, path: string, howToGet: string): IdxArray {
  const bad = (why: string) => new AdautomixError(`${path} is not a valid IDX file: ${why}. ${howToGet}`, 'E_DATA');
  if (bytes.length < 4) throw bad('it is shorter than the 4-byte header');
  if (bytes[0] !== 0 || bytes[1] !== 0) throw bad('wrong magic number');
  if (bytes[2] !== UNSIGNED_BYTE) throw bad(`element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  if (rank < 1 || rank > 4) throw bad(`rank ${rank} is not between 1 and 4`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw bad('the header is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLength;
  if (available < expected) {
    throw bad(`it is truncated: the header announces ${expected} bytes of data, the file holds ${available}`);
  }
  return { dims, data: bytes.subarray(headerLength, headerLength + expected) };
}
