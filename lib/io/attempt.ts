/** File-system calls whose failures reach the user as coded errors that say what was being done. */
import { readFile } from 'node:fs/promises';
import { AdautomixError, type ErrorCode } from '../errors.js';

/** Runs `action`; any failure becomes `code` (default E_IO) with "cannot <what>: <reason>". */
export async function attempt<T>(what: string, action: () => Promise<T>, code: ErrorCode = 'E_IO'): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new AdautomixError(`cannot ${what}: ${(error as Error).message}`, code, undefined, { cause: error });
  }
}

/** A whole file's bytes, or `code` naming the file. */
export function readBytes(path: string, code: ErrorCode = 'E_IO'): Promise<Buffer> {
  return attempt(`read ${path}`, () => readFile(path), code);
}
