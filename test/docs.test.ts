/**
 * Every configuration field a user can set is documented: each leaf of the resolved config, for
 * every method, is named in README.md or docs/*.md. A field added to the config without a line in
 * the docs fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import type { MethodName } from '../lib/config/types.js';
import { packageRoot } from '../lib/native.js';

const METHODS: MethodName[] = [
  'vanilla', 'automix', 'adautomix', 'mixup', 'cutmix', 'manifoldmix', 'fmix', 'resizemix', 'saliencymix',
  'gridmix', 'smoothmix', 'snapmix', 'puzzlemix', 'attentivemix',
];
/** Resolved fields that are no option: what the resolver adds for the native side. */
const INTERNAL = new Set(['method.learned']);

function docsText(): string {
  const docs = join(packageRoot, 'docs');
  const files = [join(packageRoot, 'README.md'), ...readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f))];
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** The paths of the leaves of a resolved config: `optimizer.gradClip`, `method.modes[].probability`. */
function leafPaths(value: unknown, path: string, out: Set<string>): Set<string> {
  if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
    for (const v of value) leafPaths(v, `${path}[]`, out);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    for (const [k, v] of Object.entries(value)) leafPaths(v, path ? `${path}.${k}` : k, out);
  } else {
    out.add(path);
  }
  return out;
}

/** A field counts as documented when its name stands in code spans: `gradClip`, `optimizer.gradClip`, `{ size, scale }`. */
function documented(docs: string, path: string): boolean {
  const name = path.split('.').pop()!.replace('[]', '');
  return new RegExp('`[^`\\n]*\\b' + name + '\\b[^`\\n]*`').test(docs);
}

describe('docs', () => {
  it('name every configuration field of every method', () => {
    const docs = docsText();
    const paths = new Set<string>();
    for (const name of METHODS) {
      const method = name === 'attentivemix' ? { name, attentive: { pretrained: 'resnet18.safetensors' } } : { name };
      leafPaths(resolveConfig({ method }), '', paths);
    }
    expect(paths.size).toBeGreaterThan(80);
    const missing = [...paths].filter((p) => !INTERNAL.has(p) && !documented(docs, p));
    expect(missing).toEqual([]);
  });

  it('would notice an undocumented field', () => {
    expect(documented(docsText(), 'optimizer.gradClip')).toBe(true);
    expect(documented(docsText(), 'optimizer.noSuchFieldAnywhere')).toBe(false);
  });
});
