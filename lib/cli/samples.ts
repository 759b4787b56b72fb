/**
 * `adautomix samples`: a PNG grid of a learned mixer's sources, masks and mixed images, from a
 * run's saved weights (--run DIR) or from a fresh short training run.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig, TrainConfig } from '../config/types.js';
import { loadDataset } from '../data/load.js';
import { AdautomixError, configError } from '../errors.js';
import { learnedMixConfig } from '../config/learned-mix.js';
import { createMixer, type CreateMixerOptions, type Mixer } from '../mix/mixer.js';
import { sampleGridPng } from '../report/sample-grid.js';
import { RunDir } from '../report/run-dir.js';
import { createTrainer } from '../train/trainer.js';
import { parseTrainArgs } from './args.js';
import { ProgressPrinter } from './progress.js';

export const SAMPLES_USAGE = `Usage: adautomix samples [--run <dir> | train options] [--png <file>] [--count <n>] [--steps <n>] [--sample-seed <n>]

Writes a PNG grid of what a learned mixer (automix or adautomix) does to test images: one column
per mixed image; rows are the N sources, their N masks (white = weight 1) and the mixed image.

  --run <dir>         use a run's trained generator (<dir>/config.json and <dir>/weights.safetensors)
  --png <file>        where to write the grid (default: <dir>/samples.png, or samples.png)
  --count <n>         mixed images in the grid (default 8)
  --steps <n>         without --run: training steps of the fresh run first (default 100)
  --sample-seed <n>   seed of the mixer's λ and permutations (default 0)
  train options       without --run: as \`adautomix train\` (default: --preset fmnist-quick --method adautomix)`;

const OWN = ['run', 'png', 'count', 'steps', 'sample-seed'];

function split(argv: string[]): { own: string[]; rest: string[] } {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '').split('=')[0]!;
    const target = argv[i]!.startsWith('--') && OWN.includes(name) ? own : rest;
    target.push(argv[i]!);
    if (!argv[i]!.includes('=') && argv[i]!.startsWith('--') && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) target.push(argv[++i]!);
  }
  return { own, rest };
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw configError(`--${name} must be a non-negative integer, got '${value}'`);
  return n;
}

async function mixerFromRun(dir: string): Promise<{ mixer: Mixer; config: ResolvedConfig }> {
  const config = (await RunDir.readConfig(dir)) as ResolvedConfig;
  if (!config.method?.learned) throw configError(`the run in ${dir} used method '${config.method?.name}', which has no learned generator`);
  const data = await loadDataset(config.dataset);
  const mixer = await createMixer({
    method: learnedMixConfig(config.method.name as 'automix' | 'adautomix', config.method.alpha, config.method.learned) as CreateMixerOptions['method'],
    model: config.model, channels: data.train.channels, classes: data.train.numClasses,
    mean: config.augment.mean ?? data.stats.mean, std: config.augment.std ?? data.stats.std,
    weights: join(dir, 'weights.safetensors'), threads: config.threads, device: config.device,
  });
  return { mixer, config };
}

export async function samples(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SAMPLES_USAGE);
    return 0;
  }
  const { own, rest } = split(argv);
  const { values } = parseArgs({ args: own, strict: true, options: Object.fromEntries(OWN.map((o) => [o, { type: 'string' }])) }) as {
    values: Record<string, string | undefined>;
  };
  const count = Math.max(1, positiveInt('count', values.count, 8));
  const seed = positiveInt('sample-seed', values['sample-seed'], 0);
  const printer = new ProgressPrinter();

  let mixer: Mixer;
  let config: ResolvedConfig;
  let dispose: () => Promise<void>;
  if (values.run !== undefined) {
    if (rest.length > 0) throw configError(`with --run, train options do not apply (got ${rest.join(' ')})`);
    ({ mixer, config } = await mixerFromRun(values.run));
    dispose = () => mixer.dispose();
  } else {
    const steps = Math.max(1, positiveInt('steps', values.steps, 100));
    const command = await parseTrainArgs(rest);
    const user: TrainConfig = command.config;
    if (user.method === undefined || (typeof user.method === 'object' && user.method.name === undefined)) {
      user.method = { ...(typeof user.method === 'object' ? user.method : {}), name: 'adautomix' };
    }
    const base = resolveConfig(user);
    user.epochs = 1;
    user.dataset = { ...user.dataset, trainLimit: Math.min(base.dataset.trainLimit ?? Infinity, steps * base.batchSize) };
    const trainer = await createTrainer(user);
    config = trainer.config;
    printer.line(`adautomix: training ${config.method.name} for ${trainer.info.stepsPerEpoch} step(s) before sampling`);
    await trainer.fit({ onProgress: (p) => printer.step(p) });
    mixer = trainer.mixer();
    dispose = () => trainer.dispose();
  }
  try {
    const data = await loadDataset({ ...config.dataset, testLimit: count });
    const test = data.test;
    const n = Math.min(count, test.count);
    const images = test.images.subarray(0, n * test.height * test.width * test.channels);
    const result = await mixer.mix(images, [n, test.height, test.width, test.channels], { seed });
    const png = values.png ?? (values.run !== undefined ? join(values.run, 'samples.png') : 'samples.png');
    try {
      await writeFile(png, sampleGridPng(images, result, n));
    } catch (error) {
      throw new AdautomixError(`cannot write ${png}: ${(error as Error).message}`, 'E_IO', undefined, { cause: error });
    }
    printer.line(`adautomix: wrote ${png} (${n} mixed image(s) of ${result.sources} source(s); λ = ${result.lambdas.map((l) => l.toFixed(3)).join(', ')})`);
    return 0;
  } finally {
    await dispose();
  }
}
