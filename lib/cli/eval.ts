/** `adautomix eval --run DIR`: accuracy, calibration and adversarial robustness of a trained run. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ResolvedConfig } from '../config/types.js';
import { upgradeResolvedConfig } from '../config/upgrade.js';
import { AdautomixError, configError, isAdautomixError } from '../errors.js';
import { readSamples } from '../data/dataset.js';
import { camGridPng, classActivationMaps } from '../eval/cam.js';
import { CORRUPTIONS, type Corruption } from '../eval/corruptions.js';
import { writeOutput } from '../io/attempt.js';
import { evaluateRun, type EvalOptions } from '../eval/evaluate-run.js';
import { className } from '../eval/per-class.js';
import { RunDir } from '../report/run-dir.js';
import { runWeightsFile } from '../train/best-weights.js';
import { createResolvedTrainer } from '../train/trainer.js';
import { integerFlag, requireRun } from './args.js';
import { formatBestWeights, ProgressPrinter } from './progress.js';

export const EVAL_USAGE = `Usage: adautomix eval --run DIR [options]

Evaluates a trained run (its config.json and weights.safetensors) on the split it was evaluated
on during training (the test split, or the validation split of --val-split) and writes
DIR/eval.json: top-1/top-5 and loss of every head, ECE (standard, 15 and 10 bins, and the
original code's sorted-bins variant, labelled), the 15-bin reliability diagram, FGSM accuracy
of the reported head (one_k for AutoMix/AdAutoMix), and that head's top-1 per class with its
confusion matrix.

  --run <dir>            the run folder (required)
  --weights <which>      last (default: weights.safetensors, the end of training) | best
                         (best.safetensors, the epoch with the best top-1 on the run's evaluated
                         split; the report goes to DIR/eval-best.json, CAMs to DIR/cam-best.png)
  --data <dir>           the dataset's folder, when it moved since training
  --split <name>         validation | test: for a run trained with --val-split, which split to
                         evaluate (default validation, the one its epochs report; test is the
                         dataset's own test split, untouched during training)
  --limit <n>            only the first n test images
  --head <name>          the head the attacks target
  --fgsm-mode <mode>     pixel (default: step and clamp in [0,1] pixel space) | openmixup-legacy
                         (the original AdAutoMix code: step and [0,1] clamp in normalised space)
  --epsilon <x>          attack budget in pixel units (default 8/255)
  --no-fgsm              skip FGSM
  --pgd                  also PGD: 10 steps of 2/255 from a random start (10 gradient passes a batch)
  --corruptions <list>   built-in corruptions of the test images: all, or a comma list of
                         gaussian_noise, shot_noise, impulse_noise, defocus_blur, gaussian_blur,
                         brightness, contrast, saturate, pixelate, jpeg_compression
  --severities <list>    with --corruptions: e.g. 1,3,5 (default 1-5)
  --cifar-c <dir>        a CIFAR-10-C / CIFAR-100-C folder (<corruption>.npy, labels.npy); --limit
                         applies per severity
  --occlusion            top-1 with 0%, 10%, ..., 100% of the image's patches set to the mean colour
  --cam <n | i,j,...>    also write DIR/cam.png: class activation maps of the first n test images,
                         or of the test images at those indices
  --batch <n>            evaluation batch (default: the run's evalBatchSize)
  --threads <n>          CPU threads
  --out <file>           where to write the report (default DIR/eval.json; its folder is created)
  -h, --help             this help`;

/** --cam: a count (the first n test images) or a comma list of test indices. */
function camIndices(text: string, count: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (!numbers.every((v) => Number.isInteger(v) && v >= 0)) throw configError(`--cam takes a count or test indices, got '${text}'`);
  if (parts.length === 1) {
    if (numbers[0]! < 1) throw configError('--cam needs at least one image');
    return Array.from({ length: Math.min(numbers[0]!, count) }, (_, i) => i);
  }
  const outside = numbers.find((v) => v >= count);
  if (outside !== undefined) throw configError(`--cam index ${outside} is outside the ${count} test images`);
  return numbers;
}

/** --split: the run's own evaluation split by default; 'validation' only where the run held one out. */
function evaluatedSplit(flag: string | undefined, saved: ResolvedConfig): 'validation' | 'test' {
  const own = saved.dataset.validation ? 'validation' : 'test';
  if (flag === undefined || flag === own) return own;
  if (flag === 'test') return 'test';
  if (flag === 'validation') throw configError('--split validation: this run held out no validation split (it was trained without --val-split); its test split is the default');
  throw configError(`--split must be validation or test, got '${flag}'`);
}

export async function evaluate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      run: { type: 'string' },
      weights: { type: 'string' },
      data: { type: 'string' },
      split: { type: 'string' },
      limit: { type: 'string' },
      head: { type: 'string' },
      'fgsm-mode': { type: 'string' },
      epsilon: { type: 'string' },
      'no-fgsm': { type: 'boolean' },
      pgd: { type: 'boolean' },
      corruptions: { type: 'string' },
      severities: { type: 'string' },
      'cifar-c': { type: 'string' },
      occlusion: { type: 'boolean' },
      cam: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(EVAL_USAGE);
    return 0;
  }
  const run = requireRun('eval', values.run);
  const mode = values['fgsm-mode'] ?? 'pixel';
  if (mode !== 'pixel' && mode !== 'openmixup-legacy') throw configError(`--fgsm-mode must be pixel or openmixup-legacy, got '${mode}'`);
  const epsilon = values.epsilon === undefined ? 8 / 255 : Number(values.epsilon);
  if (!(epsilon >= 0 && epsilon <= 1)) throw configError(`--epsilon must be a number in [0, 1], got '${values.epsilon}'`);

  let corruptions: EvalOptions['corruptions'];
  if (values.corruptions !== undefined) {
    const types = values.corruptions === 'all' ? [...CORRUPTIONS] : values.corruptions.split(',').map((t) => t.trim());
    const unknown = types.find((t) => !(CORRUPTIONS as readonly string[]).includes(t));
    if (unknown) throw configError(`--corruptions: unknown corruption '${unknown}'; known: all, ${CORRUPTIONS.join(', ')}`);
    const severities = values.severities === undefined ? [1, 2, 3, 4, 5] : values.severities.split(',').map(Number);
    if (!severities.every((s) => Number.isInteger(s) && s >= 1 && s <= 5)) throw configError(`--severities must list integers 1..5, got '${values.severities}'`);
    corruptions = { types: types as Corruption[], severities };
  }
  const printer = new ProgressPrinter();
  const saved = upgradeResolvedConfig(await RunDir.readConfig(run));
  const weights = await runWeightsFile(run, values.weights);
  const suffix = weights.best ? '-best' : '';
  if (weights.best) printer.line(`adautomix: ${formatBestWeights(weights.best)}`);
  const threads = integerFlag('threads', values.threads, 1);
  const split = evaluatedSplit(values.split, saved);
  const validation = split === 'validation' ? saved.dataset.validation : null;
  const config = { ...saved, dataset: { ...saved.dataset, dir: values.data ?? saved.dataset.dir, validation }, ...(threads && { threads }) };
  printer.line(`adautomix: loading ${config.dataset.name} from ${config.dataset.dir} (${split} split)`);
  const trainer = await createResolvedTrainer(config, { skipPretrained: true }).catch((error: unknown) => {
    // A folder of class folders held its validation split out of the training images and has no test split.
    if (split === 'test' && saved.dataset.validation && isAdautomixError(error) && error.code === 'E_DATA') {
      throw new AdautomixError(`--split test needs the dataset's own test split: ${error.message}`, 'E_DATA', undefined, { cause: error });
    }
    throw error;
  });
  try {
    await trainer.loadWeights(weights.path);
    const report = await evaluateRun(trainer, trainer.data.test, {
      limit: integerFlag('limit', values.limit, 1),
      batchSize: integerFlag('batch', values.batch, 1),
      head: values.head,
      fgsm: !values['no-fgsm'],
      fgsmMode: mode,
      epsilon,
      pgd: values.pgd ?? false,
      corruptions,
      cifarC: values['cifar-c'],
      occlusion: values.occlusion ? {} : undefined,
      onProgress: (done, total) => printer.line(`adautomix: evaluated ${done} of ${total} images`),
    });
    const out = values.out ?? join(run, `eval${suffix}.json`);
    const record = { run, weights: weights.path, ...(weights.best && { best: weights.best }), dataset: config.dataset.name, split, ...report };
    await writeOutput(out, `${JSON.stringify(record, null, 1)}\n`);
    for (const [name, h] of Object.entries(report.heads)) {
      printer.line(`adautomix: ${name}: top-1 ${h.top1.toFixed(2)}%, top-5 ${h.top5.toFixed(2)}%, ECE ${h.ece15.toFixed(2)}% (15 bins), ${h.eceOpenMixup.toFixed(2)}% (original's sorted bins)`);
    }
    if (report.fgsm) printer.line(`adautomix: FGSM (${report.fgsm.mode}, ε ${report.fgsm.epsilon.toFixed(4)}) on ${report.fgsm.head}: top-1 ${report.fgsm.top1.toFixed(2)}%`);
    if (report.pgd) printer.line(`adautomix: PGD-10 on ${report.pgd.head}: top-1 ${report.pgd.top1.toFixed(2)}%`);
    if (report.corruptions) printer.line(`adautomix: corrupted test images (built-in): top-1 ${report.corruptions.overall.toFixed(2)}% over all`);
    if (report.cifarC) printer.line(`adautomix: CIFAR-C: top-1 ${report.cifarC.overall.toFixed(2)}% over all`);
    const weakest = [...report.perClass.classes].filter((c) => c.top1 !== null).sort((a, b) => a.top1! - b.top1!).slice(0, 3);
    printer.line(`adautomix: lowest per-class top-1 (${report.perClass.head}): ${weakest.map((c) => `${className(c)} ${c.top1!.toFixed(1)}%`).join(', ')}`);
    if (report.occlusion) printer.line(`adautomix: occlusion: ${report.occlusion.points.map((p) => `${Math.round(p.ratio * 100)}% → ${p.top1.toFixed(1)}%`).join(', ')}`);
    printer.line(`adautomix: wrote ${out}`);
    if (values.cam !== undefined) {
      const test = trainer.data.test;
      const indices = camIndices(values.cam, test.count);
      const n = indices.length;
      const shape: [number, number, number, number] = [n, test.height, test.width, test.channels];
      const pixels = test.height * test.width * test.channels;
      const images = new Uint8Array(n * pixels);
      for (const [k, i] of indices.entries()) images.set(await readSamples(test, i, 1), k * pixels);
      const png = join(run, `cam${suffix}.png`);
      const maps = await classActivationMaps(trainer, images, shape);
      await writeOutput(png, camGridPng(images, shape, maps));
      printer.line(`adautomix: wrote ${png} (class activation maps of ${n} test image(s))`);
    }
    return 0;
  } finally {
    await trainer.dispose();
  }
}
