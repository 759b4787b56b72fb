/**
 * resolveConfig answers any input with a config or an E_CONFIG error, never another exception: every
 * field of full configs (learned, classic and plain methods; resized crop and RandAugment; SGD and
 * AdamW) is set in turn to values of every JavaScript type, symbols and functions included.
 */
import { describe, expect, it } from 'vitest';
import { learnedMixConfig } from '../lib/config/learned-mix.js';
import { resolveConfig } from '../lib/config/resolve.js';
import type { MethodConfig, ResolvedConfig, TrainConfig } from '../lib/config/types.js';
import { isPlainObject } from '../lib/config/validate.js';
import { AdautomixError } from '../lib/errors.js';
import { fieldPaths, withField } from './fixtures/fields.mjs';

const WRONG: [string, unknown][] = [
  ['missing', undefined], ['null', null], ['a string', 'x'], ['NaN', NaN], ['-1', -1], ['1e12', 1e12], ['{}', {}],
  ['[]', []], ['true', true], ['Infinity', Infinity], ['0.5', 0.5], ['[1, 2, 3]', [1, 2, 3]], ['a function', () => 1],
  ['a symbol', Symbol('x')], ['a bigint', 10n],
];

/** A resolved config as the input that gives it: the method's options at the method level, no nulls. */
function asInput(resolved: ResolvedConfig): TrainConfig {
  const { preset: _preset, method, dataset, model, ...rest } = structuredClone(resolved);
  const { images: _images, ...datasetInput } = dataset as typeof dataset & { images?: unknown };
  const { skipClassifier: _skip, ...modelInput } = model;
  const methodInput: MethodConfig = method.learned
    ? learnedMixConfig(method.name as 'automix' | 'adautomix', method.alpha, method.learned)
    : { name: method.name, alpha: method.alpha, ...(method.name === 'puzzlemix' ? { puzzle: method.modes?.[0]?.puzzle } : {}) };
  return withoutNulls({ ...rest, dataset: datasetInput, model: modelInput, method: methodInput }) as TrainConfig;
}

function withoutNulls(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

describe('resolveConfig', () => {
  it('answers every wrong value of every field with a config or E_CONFIG', () => {
    const extras: TrainConfig[] = [{}, { augment: { resizedCrop: { size: 24 }, randAugment: true } }, { optimizer: { name: 'adamw' } }];
    let refused = 0;
    const other: string[] = [];
    for (const name of ['adautomix', 'automix', 'puzzlemix', 'cutmix', 'vanilla'] as const) {
      for (const extra of extras) {
        const base = asInput(resolveConfig({ method: { name }, ...extra }));
        expect(() => resolveConfig(structuredClone(base))).not.toThrow();
        for (const path of fieldPaths(base)) {
          for (const [label, value] of WRONG) {
            try {
              resolveConfig(withField(base, path, value));
            } catch (error) {
              if (error instanceof AdautomixError && error.code === 'E_CONFIG') refused++;
              else other.push(`${name} ${path} = ${label}: ${String(error)}`);
            }
          }
        }
      }
    }
    expect(other).toEqual([]);
    expect(refused).toBeGreaterThan(10_000);
  });
});
