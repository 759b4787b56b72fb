/**
 * A run's output folder: config.json (the resolved config), metrics.jsonl (one line per epoch),
 * weights.safetensors (every parameter and buffer, written when training ends or is interrupted),
 * best.safetensors (the same, from the epoch with the best evaluated top-1; train/best-weights.ts)
 * and checkpoints/ (see train/checkpoints.ts).
 */
import { appendFile, copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AdautomixError } from '../errors.js';
import { attempt, exists, makeDirectory } from '../io/attempt.js';

/** The file-system error code (ENOENT...) behind an `attempt` failure. */
const errnoOf = (error: unknown) => ((error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException)).code;

async function notARun(dir: string): Promise<AdautomixError> {
  const isFolder = await stat(dir).then((s) => s.isDirectory(), () => false);
  return new AdautomixError(
    isFolder
      ? `${dir} is not a run folder: it has no config.json (adautomix train --out DIR writes one)`
      : `${dir} does not exist (a run folder written by adautomix train was expected)`,
    'E_IO',
  );
}

export class RunDir {
  readonly metricsPath: string;
  readonly configPath: string;
  readonly weightsPath: string;
  readonly bestWeightsPath: string;
  readonly checkpointsDir: string;

  private constructor(readonly dir: string) {
    this.metricsPath = join(dir, 'metrics.jsonl');
    this.configPath = join(dir, 'config.json');
    this.weightsPath = join(dir, 'weights.safetensors');
    this.bestWeightsPath = join(dir, 'best.safetensors');
    this.checkpointsDir = join(dir, 'checkpoints');
  }

  /** The config.json of an existing run. */
  static async readConfig(dir: string): Promise<unknown> {
    const path = join(dir, 'config.json');
    // The usual mistake is a folder that is no run at all (or the runs/ folder above one): say so.
    const text = await attempt(`read ${path}`, () => readFile(path, 'utf8')).catch(async (error: AdautomixError) => {
      throw errnoOf(error) === 'ENOENT' ? await notARun(dir) : error;
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AdautomixError(`${path} is not valid JSON: ${(error as Error).message}`, 'E_IO');
    }
  }

  /** What of a run `dir` already holds (config.json, metrics.jsonl, checkpoints), or [] for none. */
  static async runFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    return ['config.json', 'metrics.jsonl', 'checkpoints'].filter((name) => entries.includes(name));
  }

  /**
   * Makes a new, empty folder named `base`, or `base-2`, `base-3`... when that is taken, and
   * returns its path. mkdir fails for a name that exists, so runs started in the same second (the
   * default name's resolution) each get their own folder, even in parallel.
   */
  static async claimFresh(base: string): Promise<string> {
    await attempt(`create ${dirname(base)}`, () => makeDirectory(dirname(base)));
    for (let k = 1; ; k++) {
      const dir = k === 1 ? base : `${base}-${k}`;
      try {
        await attempt(`create ${dir}`, () => mkdir(dir));
        return dir;
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
      }
    }
  }

  /** Creates the folder and starts a fresh metrics.jsonl. */
  static async create(dir: string): Promise<RunDir> {
    const run = new RunDir(dir);
    await attempt(`create ${dir}`, () => makeDirectory(dir));
    await attempt(`write ${run.metricsPath}`, () => writeFile(run.metricsPath, ''));
    return run;
  }

  /**
   * An existing run continued from a checkpoint at `globalStep` after `epochs` epochs:
   * metrics.jsonl keeps the lines up to there and drops any the interrupted run logged after it.
   * `from`: the run's own folder when the continued run is written to another (`dir`); its
   * best.safetensors comes along (fit() checks it against the restored history).
   */
  static async reopen(dir: string, epochs: number, globalStep: number, from: string = dir): Promise<RunDir> {
    const run = new RunDir(dir);
    const tmp = `${run.metricsPath}.tmp`;
    // A continued run may go to a new folder (--resume ... --out NEW): its metrics.jsonl then
    // starts with the lines of the run it continues (`from`).
    await attempt(`create ${dir}`, () => makeDirectory(dir));
    await attempt(`rewrite ${run.metricsPath}`, async () => {
      const old = await readFile(join(from, 'metrics.jsonl'), 'utf8').catch(() => '');
      const kept = old.split('\n').filter((line) => {
        if (line.trim() === '') return false;
        try {
          const record = JSON.parse(line) as { kind?: string; epoch?: number; globalStep?: number };
          return record.kind === 'step' ? (record.globalStep ?? Infinity) <= globalStep : (record.epoch ?? Infinity) <= epochs;
        } catch {
          return false; // a line cut short by the interruption
        }
      });
      await writeFile(tmp, kept.map((line) => `${line}\n`).join(''));
      await rename(tmp, run.metricsPath);
    });
    const best = join(from, 'best.safetensors');
    if (resolve(from) !== resolve(dir) && (await exists(best))) {
      await attempt(`copy ${best} to ${run.bestWeightsPath}`, () => copyFile(best, run.bestWeightsPath));
    }
    return run;
  }

  /** Written atomically (temp file + rename), so an interrupted run never leaves half a file. */
  async writeConfig(config: unknown): Promise<void> {
    const tmp = `${this.configPath}.tmp`;
    await attempt(`write ${this.configPath}`, async () => {
      await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`);
      await rename(tmp, this.configPath);
    });
  }

  async appendMetrics(record: object): Promise<void> {
    await attempt(`append to ${this.metricsPath}`, () => appendFile(this.metricsPath, `${JSON.stringify(record)}\n`));
  }
}
