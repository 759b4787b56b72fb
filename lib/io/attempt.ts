/** File-system calls whose failures reach the user as coded errors that say what was being done. */
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { describe } from '../config/validate.js';
import { AdautomixError, configError, type ErrorCode } from '../errors.js';

/** Runs `action`; any failure becomes `code` (default E_IO) with "cannot <what>: <reason>". */
export async function attempt<T>(what: string, action: () => Promise<T>, code: ErrorCode = 'E_IO'): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new AdautomixError(`cannot ${what}: ${(error as Error).message}`, code, undefined, { cause: error });
  }
}

/** E_CONFIG unless `path` is a non-empty string (a caller from plain JS may pass anything). */
export function checkPath(path: unknown, what = 'a file path'): string {
  if (typeof path !== 'string' || path === '') throw configError(`${what} must be a non-empty string, got ${describe(path)}`);
  return path;
}

/** Whether `path` exists (any kind of entry). */
export const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * `mkdir -p`: `dir` and any missing parents. Node's own `recursive: true` never returns where a
 * file system refuses new entries with ENOENT, as /proc does (it retries the parent forever), so
 * the missing levels are made one at a time here and the first refusal is thrown.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let level = resolve(dir); ; level = dirname(level)) {
    const exists = await stat(level).then(
      () => true,
      (error: unknown) => {
        if (errno(error) === 'ENOENT') return false;
        throw error;
      },
    );
    if (exists) break;
    missing.push(level);
    if (dirname(level) === level) break;
  }
  for (const level of missing.reverse()) {
    // EEXIST: a run started alongside made it first.
    await mkdir(level).catch((error: unknown) => {
      if (errno(error) !== 'EEXIST') throw error;
    });
  }
}

/** Writes an output file of the CLI (a report, a PNG), creating its folder as `train --out` does. */
export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  await attempt(`write ${path}`, async () => {
    await makeDirectory(dirname(path));
    await writeFile(path, data);
  });
}

/** A whole file's bytes, or `code` naming the file. */
export async function readBytes(path: string, code: ErrorCode = 'E_IO'): Promise<Buffer> {
  checkPath(path);
  return attempt(`read ${path}`, () => readFile(path), code);
}
