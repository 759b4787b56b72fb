/**
 * TensorBoard event files for scalars, written without TensorFlow: TFRecord framing (little-endian
 * length, masked CRC-32C of the length, the payload, masked CRC-32C of the payload) around
 * hand-encoded `Event` protocol buffers: the first holds file_version "brain.Event:2", the others a
 * `Summary` of (tag, simple_value) pairs at a step. TensorBoard reads every file named
 * `*tfevents*` in the folder, so a resumed run simply adds a file.
 */
import { appendFile } from 'node:fs/promises';
import { makeDirectory } from '../io/attempt.js';
import { hostname } from 'node:os';
import { join } from 'node:path';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as TFRecord uses. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord around a payload. */
export function tfRecord(payload: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(payload.length));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(maskedCrc32c(length));
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(payload));
  return Buffer.concat([length, head, payload, tail]);
}

// ---- protobuf encoding of the few fields we need ----

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const key = (field: number, wire: number) => varint(BigInt((field << 3) | wire));

function bytesField(field: number, payload: Uint8Array): number[] {
  return [...key(field, 2), ...varint(BigInt(payload.length)), ...payload];
}

function doubleField(field: number, value: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return [...key(field, 1), ...b];
}

function floatField(field: number, value: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return [...key(field, 5), ...b];
}

/** Event { wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary) }. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return Uint8Array.from([...doubleField(1, wallTime), ...bytesField(3, Buffer.from('brain.Event:2'))]);
}

/** Summary { value = 1 (Value { tag = 1 (string), simple_value = 2 (float) }) } at a step. */
export function scalarsEvent(wallTime: number, step: number, scalars: Record<string, number>): Uint8Array {
  const values: number[] = [];
  for (const [tag, value] of Object.entries(scalars)) {
    if (!Number.isFinite(value)) continue;
    values.push(...bytesField(1, Uint8Array.from([...bytesField(1, Buffer.from(tag)), ...floatField(2, value)])));
  }
  return Uint8Array.from([...doubleField(1, wallTime), ...key(2, 0), ...varint(BigInt(step)), ...bytesField(5, Uint8Array.from(values))]);
}

export class TensorBoardWriter {
  private constructor(readonly path: string) {}

  /** Starts a new event file in `dir` (created if needed). */
  static async create(dir: string): Promise<TensorBoardWriter> {
    await makeDirectory(dir);
    const now = Date.now() / 1000;
    const writer = new TensorBoardWriter(join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.0`));
    await appendFile(writer.path, tfRecord(fileVersionEvent(now)));
    return writer;
  }

  /** Scalars at a step; non-finite values are left out (TensorBoard cannot plot them). */
  async scalars(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): Promise<void> {
    await appendFile(this.path, tfRecord(scalarsEvent(wallTime, step, values)));
  }
}
