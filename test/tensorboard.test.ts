/**
 * TensorBoard event files (lib/report/tensorboard.ts): CRC-32C against the RFC 3720 test vectors,
 * and whole files read back by an independent reader (benchmarks/reference/tfevents_read.py:
 * bitwise CRC, generic protobuf decoding) that checks every record's checksums.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c, TensorBoardWriter } from '../lib/report/tensorboard.js';
import { hasReferenceTorch, runReference } from './reference.js';

describe('TensorBoard event files', () => {
  it('CRC-32C matches the RFC 3720 test vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it.runIf(hasReferenceTorch)('an independent reader gets back every scalar, step and the file version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adx-tb-'));
    const writer = await TensorBoardWriter.create(dir);
    await writer.scalars(0, { 'train/loss': 2.5, 'test/one_k/top1': 61.25 }, 1000.5);
    await writer.scalars(2 ** 40 + 3, { neg: -0.125, tiny: 1e-30, skipped: Number.NaN }, 1001);
    await writer.scalars(7, {}, 1002);
    const [file, ...others] = await readdir(dir);
    expect(others).toHaveLength(0);
    expect(file).toMatch(/^events\.out\.tfevents\.\d+\./);
    const events = JSON.parse(runReference('tfevents_read.py', [join(dir, file!)])) as {
      wall_time: number; step: number; file_version: string | null; values: Record<string, number>;
    }[];
    expect(events).toHaveLength(4);
    expect(events[0]!.file_version).toBe('brain.Event:2');
    expect(events.slice(1).map((e) => e.step)).toEqual([0, 2 ** 40 + 3, 7]);
    expect(events[1]!.wall_time).toBe(1000.5);
    expect(events[1]!.values).toEqual({ 'train/loss': 2.5, 'test/one_k/top1': 61.25 });
    expect(events[2]!.values).toEqual({ neg: -0.125, tiny: Math.fround(1e-30) });
    expect(events[3]!.values).toEqual({});
  });
});
