/**
 * A resolved config saved by this or an earlier version (a run's config.json, a checkpoint),
 * brought up to the current shape: every section keeps its saved values and gains the current
 * defaults for fields added since, so older runs can still be evaluated or resumed.
 */
import { configError } from '../errors.js';
import { resolveLearnedMix } from './learned-mix.js';
import { resolveConfig } from './resolve.js';
import type { ResolvedConfig } from './types.js';

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

export function upgradeResolvedConfig(saved: unknown): ResolvedConfig {
  if (!isObject(saved) || !isObject(saved.dataset) || !isObject(saved.method) || !isObject(saved.optimizer)) {
    throw configError('the saved config is not an adautomix run configuration');
  }
  const dataset = saved.dataset as ResolvedConfig['dataset'];
  const defaults = resolveConfig({ dataset: { name: dataset.name, dir: dataset.dir } });
  const section = <K extends keyof ResolvedConfig>(key: K) => ({ ...(defaults[key] as object), ...((saved[key] as object) ?? {}) }) as ResolvedConfig[K];
  const { resolved: _, ...rest } = saved as Loose & { resolved?: unknown };
  const optimizer = section('optimizer');
  const method = saved.method as ResolvedConfig['method'];
  const learned = method.learned
    ? (() => {
        const base = resolveLearnedMix(method.name as 'automix' | 'adautomix', {}, optimizer);
        const l = method.learned as unknown as Loose;
        return { ...base, ...l, ema: { ...base.ema, ...(l.ema as object) }, generator: { ...base.generator, ...(l.generator as object) }, maskLoss: { ...base.maskLoss, ...(l.maskLoss as object) } };
      })()
    : null;
  return {
    ...defaults,
    ...(rest as Partial<ResolvedConfig>),
    dataset: section('dataset'),
    model: section('model'),
    optimizer,
    augment: section('augment'),
    checkpoint: section('checkpoint'),
    log: section('log'),
    speed: section('speed'),
    method: { ...method, learned },
  };
}
