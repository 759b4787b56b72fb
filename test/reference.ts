/** Runs the plain PyTorch reference scripts of benchmarks/reference with Debian's python3-torch. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../lib/native.js';

export const referencePython = process.env.ADX_PYTHON ?? '/usr/bin/python3';

/** Whether the reference Python can import these modules (e.g. 'torch', 'PIL, numpy'). */
export const referenceCanImport = (modules: string) =>
  spawnSync(referencePython, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;

export const hasReferenceTorch = referenceCanImport('torch');

export function runReference(script: string, args: string[]): string {
  const result = spawnSync(referencePython, [join(packageRoot, 'benchmarks', 'reference', script), ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
