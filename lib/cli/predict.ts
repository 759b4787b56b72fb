/** `adautomix predict --run DIR IMAGE...`: a trained run's network classifies image files. */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { DeviceRequest } from '../config/types.js';
import { imagesUnder } from '../data/image-folder.js';
import { AdautomixError, configError } from '../errors.js';
import { className } from '../eval/per-class.js';
import type { FilePrediction } from '../predict/classifier.js';
import { classifierFromRun } from '../predict/from-run.js';
import type { RunWeights } from '../train/best-weights.js';
import { integerFlag, requireRun } from './args.js';
import { ProgressPrinter } from './progress.js';

export const PREDICT_USAGE = `Usage: adautomix predict --run <dir> [options] <image or folder>...

Classifies image files with a trained run's network (its config.json and weights.safetensors) and
prints each file's most probable classes with their probabilities. A folder stands for every image
file under it (.png .jpg .jpeg .webp .tif .tiff .gif .avif, at any depth). Each image is brought
to the run's input as its image datasets were: scaled to cover it, centre kept, grey for a
one-channel run (Fashion-MNIST, MNIST); then the run's test view and normalisation apply.

  --run <dir>       the run folder (required); its dataset is not needed
  --weights <which> last (default: weights.safetensors) | best (best.safetensors, the epoch with
                    the best top-1 on the run's evaluated split)
  --top <k>         classes listed per image (default 5, at most the number of classes)
  --head <name>     the head that classifies (default: the reported one, one_k for AutoMix/AdAutoMix)
  --json            print a JSON array: path, label, name, probability and the top list per image
  --threads <n>     CPU threads (default: the run's)
  --device <d>      auto | cpu | cuda | cuda:N (default: the run's)
  -h, --help        this help`;

/** The image files the arguments name: files as given, folders expanded. */
async function imageFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info === null) throw new AdautomixError(`${path} does not exist`, 'E_DATA');
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = await imagesUnder(path);
    if (found.length === 0) throw new AdautomixError(`${path} holds no image files`, 'E_DATA');
    files.push(...found);
  }
  return files;
}

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

function line(p: FilePrediction): string {
  return `${p.path}: ${p.top.map((s) => `${className(s)} ${percent(s.probability)}`).join(', ')}`;
}

export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      run: { type: 'string' },
      weights: { type: 'string' },
      top: { type: 'string' },
      head: { type: 'string' },
      json: { type: 'boolean' },
      threads: { type: 'string' },
      device: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(PREDICT_USAGE);
    return 0;
  }
  const run = requireRun('predict', values.run);
  if (positionals.length === 0) throw configError('predict needs at least one image file or folder');
  const top = integerFlag('top', values.top, 1);
  const files = await imageFiles(positionals);
  const classifier = await classifierFromRun(run, {
    head: values.head,
    weights: values.weights as RunWeights | undefined,
    threads: integerFlag('threads', values.threads, 1),
    device: values.device as DeviceRequest | undefined,
  });
  try {
    const printer = new ProgressPrinter();
    const predictions = await classifier.classifyFiles(files, {
      top,
      // Only a long list is worth a progress line.
      onProgress: (done, total) => total > 1000 && printer.line(`adautomix: classified ${done} of ${total} images`),
    });
    console.log(values.json ? JSON.stringify(predictions, null, 2) : predictions.map(line).join('\n'));
    return 0;
  } finally {
    await classifier.dispose();
  }
}
