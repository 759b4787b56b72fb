/**
 * `adautomix samples`: a PNG grid of a learned mixer's sources, masks and mixed images, from a
 * run's saved weights (--run DIR) or from a fresh short training run.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../config/resolve.js';
import type { TrainConfig } from '../config/types.js';
import { readSamples, type ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { configError } from '../errors.js';
import { writeOutput } from '../io/attempt.js';
import { mixerFromRun } from '../mix/from-run.js';
import type { Mixer } from '../mix/mixer.js';
import { readRunConfig } from '../report/run-input.js';
import { sampleGridPng } from '../report/sample-grid.js';
import { runWeightsFile, type RunWeights } from '../train/best-weights.js';
import { createTrainer } from '../train/trainer.js';
import { integerFlag, parseTrainArgs } from './args.js';
import { ProgressPrinter } from './progress.js';

export const SAMPLES_USAGE = `Usage: adautomix samples [--run <dir> | train options] [--png <file>] [--count <n>] [--steps <n>] [--sample-seed <n>]

Writes a PNG grid of what a mixer does to test images: one column per mixed image; rows are the N
sources, their N masks (white = weight 1) and the mixed image. AutoMix/AdAutoMix show their learned
generator; the classic methods (cutmix, fmix, ...) their original and partner with the box or mask.

  --run <dir>         use a run's trained generator (<dir>/config.json and <dir>/weights.safetensors)
  --weights <which>   with --run: last (default, weights.safetensors) | best (best.safetensors)
  --png <file>        where to write the grid (default: <dir>/samples.png, or samples.png; its folder is created)
  --count <n>         mixed images in the grid (default 8)
  --steps <n>         without --run: training steps of the fresh run first (default 100)
  --sample-seed <n>   seed of the mixer's λ and permutations (default 0)
  train options       without --run: as \`adautomix train\` (default: --preset fmnist-quick --method adautomix)`;

const OWN = ['run', 'weights', 'png', 'count', 'steps', 'sample-seed'];

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

/** What to sample with: a mixer, the test images it mixes, and how to let go of both. */
interface Source {
  mixer: Mixer;
  test: ImageDataset;
  dispose: () => Promise<void>;
}

async function fromRun(dir: string, count: number, weights: string | undefined): Promise<Source> {
  const { config } = await readRunConfig(dir);
  await runWeightsFile(dir, weights); // a missing best.safetensors, before the data is loaded
  const data = await loadDataset({ ...config.dataset, testLimit: count });
  const mixer = await mixerFromRun(dir, { data, weights: weights as RunWeights | undefined });
  return { mixer, test: data.test, dispose: () => mixer.dispose() };
}

/** Trains a fresh short run first; train options as `adautomix train`, default method adautomix. */
async function fromFreshRun(argv: string[], steps: number, printer: ProgressPrinter): Promise<Source> {
  const user: TrainConfig = (await parseTrainArgs(argv)).config;
  if (user.method === undefined || (typeof user.method === 'object' && user.method.name === undefined)) {
    user.method = { ...(typeof user.method === 'object' ? user.method : {}), name: 'adautomix' };
  }
  const base = resolveConfig(user);
  user.epochs = 1;
  user.dataset = { ...user.dataset, trainLimit: Math.min(base.dataset.trainLimit ?? Infinity, steps * base.batchSize) };
  const trainer = await createTrainer(user);
  try {
    printer.line(`adautomix: training ${trainer.config.method.name} for ${trainer.info.stepsPerEpoch} step(s) before sampling`);
    await trainer.fit({ onProgress: (p) => printer.step(p) });
    return { mixer: trainer.mixer(), test: trainer.data.test, dispose: () => trainer.dispose() };
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
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
  const count = Math.max(1, integerFlag('count', values.count, 0) ?? 8);
  const seed = integerFlag('sample-seed', values['sample-seed'], 0) ?? 0;
  const printer = new ProgressPrinter();

  let source: Source;
  if (values.run !== undefined) {
    if (rest.length > 0) throw configError(`with --run, train options do not apply (got ${rest.join(' ')})`);
    source = await fromRun(values.run, count, values.weights);
  } else {
    if (values.weights !== undefined) throw configError('--weights needs --run (a fresh run samples with the weights it just trained)');
    source = await fromFreshRun(rest, Math.max(1, integerFlag('steps', values.steps, 0) ?? 100), printer);
  }
  try {
    const { test } = source;
    const n = Math.min(count, test.count);
    const images = await readSamples(test, 0, n);
    const result = await source.mixer.mix(images, [n, test.height, test.width, test.channels], { seed });
    const png = values.png ?? (values.run !== undefined ? join(values.run, 'samples.png') : 'samples.png');
    await writeOutput(png, sampleGridPng(images, result, n));
    printer.line(`adautomix: wrote ${png} (${n} mixed image(s) of ${result.sources} source(s); λ = ${result.lambdas.map((l) => l.toFixed(3)).join(', ')})`);
    return 0;
  } finally {
    await source.dispose();
  }
}
