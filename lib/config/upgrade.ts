/**
 * A resolved config saved by this or an earlier version (a run's config.json, a checkpoint),
 * brought up to the current shape: every saved value is kept, and every field added since gets
 * its current default, at any depth, so older runs can still be evaluated or resumed.
 */
import { configError } from '../errors.js';
import { resolveLearnedMix } from './learned-mix.js';
import { resolveConfig } from './resolve.js';
import type { ResolvedConfig } from './types.js';
import { isPlainObject } from './validate.js';

type Loose = Record<string, unknown>;

/** `saved` over `defaults`: objects merge key by key at every depth; any other saved value wins. */
function withDefaults(defaults: unknown, saved: unknown): unknown {
  if (saved === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(saved)) return saved;
  const out: Loose = { ...defaults };
  for (const [key, value] of Object.entries(saved)) out[key] = withDefaults(defaults[key], value);
  return out;
}

export function upgradeResolvedConfig(saved: unknown): ResolvedConfig {
  if (!isPlainObject(saved) || !isPlainObject(saved.dataset) || !isPlainObject(saved.method) || !isPlainObject(saved.optimizer)) {
    throw configError('the saved config is not an adautomix run configuration');
  }
  const dataset = saved.dataset as ResolvedConfig['dataset'];
  const defaults = resolveConfig({ dataset: { name: dataset.name, dir: dataset.dir } });
  // `resolved` is what config.json adds about the machine (device, threads), not configuration.
  const { resolved: _, ...rest } = saved as Loose & { resolved?: unknown };
  const upgraded = withDefaults(defaults, rest) as ResolvedConfig;
  // The defaults' method is another one (the preset's): the saved method keeps its own fields,
  // and a learned mixer's options get that method's defaults.
  const method = saved.method as ResolvedConfig['method'];
  const learned = method.learned
    ? (withDefaults(resolveLearnedMix(method.name as 'automix' | 'adautomix', {}, upgraded.optimizer), method.learned) as ResolvedConfig['method']['learned'])
    : null;
  return { ...upgraded, method: { ...method, learned } };
}
