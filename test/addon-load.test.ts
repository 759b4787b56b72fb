import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadNative, packageRoot } from '../lib/native.js';

const require = createRequire(import.meta.url);

describe('native addon', () => {
  it('loads with every symbol resolved at load time (RTLD_NOW)', () => {
    const path = (require('node-gyp-build') as { path(dir: string): string }).path(packageRoot);
    const module = { exports: {} as Record<string, unknown> };
    // RTLD_NOW makes the dynamic loader bind every symbol now: a C++ ABI mismatch with the
    // LibTorch found at run time fails here rather than at the first call.
    process.dlopen(module, path, constants.dlopen.RTLD_NOW);
    expect(typeof module.exports.NativeTrainer).toBe('function');
    expect(typeof module.exports.buildInfo).toBe('function');
  });

  it('reports the LibTorch it was built against', () => {
    const info = loadNative().buildInfo();
    expect(info.torchVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(typeof info.cudaAvailable).toBe('boolean');
    expect(info.defaultThreads).toBeGreaterThanOrEqual(1);
  });
});
