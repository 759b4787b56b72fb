/**
 * The cache of large CPU blocks that replaces LibTorch's CPU allocator (native/core/cpu_block_cache.h):
 * a training step reuses the blocks the previous one freed, dispose hands them back, the numbers do
 * not depend on it, and ADX_CPU_CACHE_MB=0 leaves LibTorch's allocator in place.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type BuildInfo, loadNative, packageRoot } from '../lib/native.js';

// One trainer on the raw addon, three steps; prints the cache's counters and the losses as JSON.
// Run in a child process so that ADX_CPU_CACHE_MB applies from the addon's load on.
const CHILD = `
const addon = require('node-gyp-build')(process.argv[1]);
(async () => {
  const t = new addon.NativeTrainer({
    device: 'cpu', threads: 1, seed: 3,
    model: { arch: 'resnet18_cifar', inChannels: 3, numClasses: 10, baseWidth: 16 },
    augment: { cropPadding: 4, flip: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    method: { name: 'mixup', alpha: 1, learned: null },
    optimizer: { lr: 0.1, minLr: 0, momentum: 0.9, weightDecay: 1e-4, nesterov: false, lrStepping: 'epoch' },
    epochs: 1, stepsPerEpoch: 100, nanPolicy: 'error',
  });
  await t.init();
  const n = 16, s = 32;
  const images = new Uint8Array(n * s * s * 3).map((_, i) => (i * 2654435761) % 251);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const losses = [];
  const after = [];
  for (let i = 0; i < 3; i++) {
    losses.push((await t.trainStep(images, labels, [n, s, s, 3])).loss);
    after.push(addon.buildInfo().cpuBlockCache);
  }
  await t.dispose();
  console.log(JSON.stringify({ losses, after, disposed: addon.buildInfo().cpuBlockCache }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

type CacheInfo = BuildInfo['cpuBlockCache'];

/** The child's three steps: the cache's counters after each. */
type ThreeSteps = [CacheInfo, CacheInfo, CacheInfo];

function runChild(cacheMB?: string): { losses: number[]; after: ThreeSteps; disposed: CacheInfo } {
  const env = { ...process.env };
  delete env.ADX_CPU_CACHE_MB;
  if (cacheMB !== undefined) env.ADX_CPU_CACHE_MB = cacheMB;
  const out = execFileSync(process.execPath, ['-e', CHILD, packageRoot], { env, encoding: 'utf8' });
  const result = JSON.parse(out.trim().split('\n').pop() as string);
  expect(result.after).toHaveLength(3);
  return result;
}

describe('CPU block cache', () => {
  it('is installed when the addon loads, bounded by a quarter of memory by default', () => {
    const info = loadNative().buildInfo().cpuBlockCache;
    if (process.env.ADX_CPU_CACHE_MB !== undefined) return; // the suite itself runs with a setting
    expect(info.installed).toBe(true);
    expect(info.idleLimitMB).toBeGreaterThan(0);
  });

  it('serves later steps from the blocks earlier steps freed, and dispose empties it', () => {
    const r = runChild();
    const [first, second, third] = r.after;
    expect(first.installed).toBe(true);
    expect(first.fresh).toBeGreaterThan(0);
    // The second step allocates the same sizes as the first: mostly reuse, few fresh blocks.
    const freshInSecond = second.fresh - first.fresh;
    const reusedInSecond = second.reused - first.reused;
    expect(reusedInSecond).toBeGreaterThan(10 * Math.max(1, freshInSecond));
    expect(third.fresh - second.fresh).toBeLessThanOrEqual(freshInSecond);
    expect(first.idleMB).toBeGreaterThan(0);
    expect(r.disposed.idleMB).toBe(0);
  });

  it('changes no number: the same seed gives bitwise the same losses with the cache off', () => {
    const on = runChild();
    const off = runChild('0');
    expect(off.after[0].installed).toBe(false);
    expect(off.after[0].fresh).toBe(0);
    expect(on.losses).toEqual(off.losses);
    expect(on.losses.every(Number.isFinite)).toBe(true);
  });

  it('honours ADX_CPU_CACHE_MB as the idle bound', () => {
    const r = runChild('1');
    expect(r.after[0].idleLimitMB).toBe(1);
    for (const a of r.after) expect(a.idleMB).toBeLessThanOrEqual(1);
  });
});
