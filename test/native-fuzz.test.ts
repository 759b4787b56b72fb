/**
 * Nothing passed to the addon crashes the process. In a child process (so a crash fails the test
 * with the case it happened in):
 * - every field of the native trainer's options (AdAutoMix, AutoMix, PuzzleMix, the other classic
 *   mixers) is replaced in turn by a value of the wrong type or range, and the trainer is created,
 *   initialised and stepped once: success or E_CONFIG (the native side re-checks what TypeScript
 *   validates; no LibTorch error leaks through as E_NATIVE);
 * - wrong batches go to trainStep and evaluate: E_SHAPE, E_DATA or E_CONFIG;
 * - every addon function and trainer method gets argument lists drawn from a pool of wrong and
 *   right-looking values: success or an error with one of our codes other than E_NATIVE.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { nativeMethodOptions } from '../lib/config/classic-mix.js';
import type { MethodConfig } from '../lib/config/types.js';
import { packageRoot, type NativeTrainerOptions } from '../lib/native.js';

const CLASSIC_MODES = ['mixup', 'cutmix', 'manifoldmix', 'fmix', 'resizemix', 'saliencymix', 'gridmix', 'smoothmix', 'snapmix'] as const;

async function baseOptions(method: MethodConfig): Promise<NativeTrainerOptions> {
  const c = resolveConfig({ method, threads: 1 });
  return {
    device: 'cpu', threads: 1, seed: 0,
    model: { arch: 'resnet18_cifar', inChannels: 1, numClasses: 4, baseWidth: 4 },
    augment: { ...c.augment, cropPadding: 2, flip: true, mean: [0.5], std: [0.5], randAugment: null },
    method: await nativeMethodOptions(c.method),
    optimizer: { ...c.optimizer, warmupSteps: 0 },
    epochs: 1, stepsPerEpoch: 10, nanPolicy: 'error', speed: c.speed,
  };
}

describe('the addon', () => {
  it('never crashes the process, whatever it is given', async () => {
    const bases = [
      { name: 'adautomix', options: await baseOptions({ name: 'adautomix', mixSamples: 3 }) },
      { name: 'automix', options: await baseOptions({ name: 'automix' }) },
      { name: 'puzzlemix', options: await baseOptions({ name: 'puzzlemix' }) },
      // The other classic mixers, one picked per step.
      { name: 'classic', options: await baseOptions({ name: 'classic', modes: CLASSIC_MODES.map((name) => ({ name })) }) },
    ];
    const file = join(await mkdtemp(join(tmpdir(), 'adx-fuzz-')), 'bases.json');
    await writeFile(file, JSON.stringify(bases));
    const child = spawnSync(process.execPath, [join(packageRoot, 'test', 'fixtures', 'native-fuzz.mjs'), packageRoot, file], {
      encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ADX_CPU_CACHE_MB: '64' },
    });
    const lines = child.stdout.trim().split('\n');
    const started = lines.filter((l) => l.startsWith('START '));
    const outcomes = lines.filter((l) => l.startsWith('DONE ')).map((l) => l.split(' ').slice(2).join(' '));
    const last = started[outcomes.length] ?? '';
    expect(child.status, `the child ended in ${last} with ${child.signal ?? child.status}: ${child.stderr.slice(-500)}`).toBe(0);
    expect(started.length).toBeGreaterThan(800);
    if (process.env.ADX_DEBUG) console.log(`${started.length} cases: ${[...new Set(outcomes)].map((o) => `${o} ${outcomes.filter((x) => x === o).length}`).join(', ')}`);
    expect(outcomes.length).toBe(started.length);
    const allowed = (line: string, o: string) =>
      o === 'ok' || o === 'E_CONFIG' ||
      (line.includes(' batch ') && ['E_SHAPE', 'E_DATA'].includes(o)) ||
      (line.includes(' call ') && o.startsWith('E_') && o !== 'E_NATIVE');
    const unexpected = outcomes.flatMap((o, i) => (allowed(started[i]!, o) ? [] : [`${started[i]} → ${o}`]));
    expect(unexpected).toEqual([]);
    // Most garbage is refused, not silently taken.
    expect(outcomes.filter((o) => o === 'E_CONFIG').length).toBeGreaterThan(outcomes.length / 2);
  }, 300_000);
});
