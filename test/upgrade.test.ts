// upgradeResolvedConfig: a config saved by an earlier version (fields missing at any depth) comes
// back in the current shape with every saved value kept.
import { describe, expect, it } from 'vitest';
import { presets } from '../lib/config/presets.js';
import { resolveConfig } from '../lib/config/resolve.js';
import type { ResolvedConfig } from '../lib/config/types.js';
import { upgradeResolvedConfig } from '../lib/config/upgrade.js';

type Loose = Record<string, any>;
const saved = (config: ResolvedConfig): Loose => JSON.parse(JSON.stringify(config));

describe('upgradeResolvedConfig', () => {
  it('leaves a current config as it is, for every preset', () => {
    let checked = 0;
    for (const name of Object.keys(presets)) {
      let config: ResolvedConfig;
      try {
        config = resolveConfig({ preset: name, dataset: { dir: '/data' }, model: { pretrained: '/weights.safetensors' } });
      } catch {
        continue; // AttentiveMix's presets need the path of its own pretrained network
      }
      expect(upgradeResolvedConfig(saved(config)), name).toEqual(config);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(190);
  });

  it('fills the nested fields of a section that only some datasets have', () => {
    const current = resolveConfig({ dataset: { name: 'image-folder', dir: '/data', imageSize: 96 } });
    const old = saved(current);
    delete old.dataset.images.decodeConcurrency;
    const upgraded = upgradeResolvedConfig(old);
    expect(upgraded).toEqual(current);
    expect(upgraded.dataset.images?.imageSize).toBe(96);
  });

  it('fills fields missing at any depth with their defaults and keeps the saved values', () => {
    const current = resolveConfig({
      method: { name: 'adautomix', ema: { start: 0.99 }, generator: { lr: 0.05 } },
      optimizer: { lr: 0.2 },
      augment: { cropPadding: 3 },
    });
    const old = saved(current);
    delete old.method.learned.ema.updateInterval; // two levels down in the method
    delete old.method.learned.maskLoss;           // a whole nested section
    delete old.optimizer.accumulate;
    delete old.augment.evalInterpolation;
    delete old.log;                               // a whole top-level section
    const upgraded = upgradeResolvedConfig(old);
    expect(upgraded).toEqual(current);
    expect(upgraded.method.learned?.ema.start).toBe(0.99);
    expect(upgraded.method.learned?.generator.lr).toBe(0.05);
    expect(upgraded.optimizer.lr).toBe(0.2);
    expect(upgraded.augment.cropPadding).toBe(3);
  });

  it("keeps the saved method's own fields and ignores config.json's machine facts", () => {
    const current = resolveConfig({ method: { name: 'cutmix', alpha: 0.5 } });
    const upgraded = upgradeResolvedConfig({ ...saved(current), resolved: { device: 'cpu', threads: 2 } });
    expect(upgraded).toEqual(current);
    expect(upgraded.method.learned).toBeNull();
    expect(upgraded).not.toHaveProperty('resolved');
  });

  it('refuses what is not a run configuration', () => {
    expect(() => upgradeResolvedConfig({ epochs: 3 })).toThrow('the saved config is not an adautomix run configuration');
    expect(() => upgradeResolvedConfig(null)).toThrow('the saved config is not an adautomix run configuration');
  });
});
