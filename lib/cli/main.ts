/** The `adautomix` command. */
import { readFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { availableParallelism, constants as osConstants } from 'node:os';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';
import { speedSummary } from '../config/speed.js';
import { AdautomixError, configError } from '../errors.js';
import { buildInfo, packageRoot } from '../native.js';
import { RunDir } from '../report/run-dir.js';
import { RunLogger } from '../report/run-log.js';
import { CheckpointStore } from '../train/checkpoints.js';
import { resumeTrainer } from '../train/resume.js';
import type { FitSummary } from '../train/events.js';
import { createTrainer, type Trainer } from '../train/trainer.js';
import { parseTrainArgs, TRAIN_USAGE, type TrainCommand } from './args.js';
import { samples, SAMPLES_USAGE } from './samples.js';
import { evaluate, EVAL_USAGE } from './eval.js';
import { report, REPORT_USAGE } from './report.js';
import { predict, PREDICT_USAGE } from './predict.js';
import { exportCommand, EXPORT_USAGE } from './export.js';
import { listModelsCommand, listPresets, MODELS_USAGE, PRESETS_USAGE } from './lists.js';
import { formatBest, formatDuration, formatEpoch, formatReported, ProgressPrinter } from './progress.js';

const USAGE = `Usage: adautomix <command> [options]

Commands:
  train     train a classifier (adautomix train --help)
  samples   a PNG grid of a learned mixer's masks and mixed images (adautomix samples --help)
  eval      accuracy, calibration (ECE) and FGSM/PGD robustness of a trained run (adautomix eval --help)
  report    an HTML and Markdown report of runs against the published numbers (adautomix report --help)
  predict   classify image files with a trained run (adautomix predict --help)
  export    a trained run's network as a torchvision state dict for PyTorch (adautomix export --help)
  presets   list the named presets (adautomix presets tiny adautomix: those whose names hold both;
            --published, --json; adautomix presets --help)
  models    list the model architectures and their defaults (--json)
  info      version, LibTorch, devices and the threads train uses by default
  --version print the version`;

/** Each command's help, shown after a flag it does not know. */
const COMMAND_USAGE: Record<string, string> = {
  train: TRAIN_USAGE,
  samples: SAMPLES_USAGE,
  eval: EVAL_USAGE,
  report: REPORT_USAGE,
  predict: PREDICT_USAGE,
  export: EXPORT_USAGE,
  presets: PRESETS_USAGE,
  models: MODELS_USAGE,
};

function defaultOutDir(preset: string | null): string {
  const stamp = new Date().toISOString().replace(/[:T]/g, '-').replace(/\..*$/, '');
  return join('runs', `${preset ?? 'run'}-${stamp}`);
}

/** The signals that stop training gracefully. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface Session {
  trainer: Trainer;
  run: RunDir;
  config: ResolvedConfig;
}

/** Prints image decoding at most every 10% (or every 10 s when that is slower). */
function decodeProgress(printer: ProgressPrinter): (done: number, total: number) => void {
  let shown = 0;
  let last = Date.now();
  return (done, total) => {
    if (done < total && done - shown < total / 10 && Date.now() - last < 10_000) return;
    shown = done;
    last = Date.now();
    printer.line(`adautomix: decoded ${done} of ${total} images`);
  };
}

/**
 * E_CONFIG when `dir` already holds a run: a new or continued run written there would overwrite
 * its config and metrics and mix its checkpoints with its own (a later --resume could pick the
 * other run's).
 */
async function refuseRunFolder(dir: string, otherwise: string): Promise<void> {
  const existing = await RunDir.runFiles(dir);
  if (existing.length > 0) {
    throw configError(`${dir} already holds a run (${existing.join(', ')}): continue it with 'adautomix train --resume ${dir}', ${otherwise}`);
  }
}

/** A fresh run: resolve the config, create the trainer and the run folder. */
async function startRun(command: TrainCommand, printer: ProgressPrinter): Promise<Session> {
  const config = resolveConfig(command.config);
  if (command.out !== undefined) await refuseRunFolder(command.out, 'or give another --out (or delete the folder) to start afresh');
  const out = command.out ?? (await RunDir.claimFresh(defaultOutDir(config.preset)));
  printer.line(`adautomix: loading ${config.dataset.name} from ${config.dataset.dir}`);
  let trainer: Trainer;
  try {
    trainer = await createTrainer(command.config, { onDataProgress: decodeProgress(printer) });
  } catch (error) {
    // The default folder was made above; leave nothing behind (rmdir keeps a non-empty one).
    if (command.out === undefined) await rmdir(out).catch(() => undefined);
    throw error;
  }
  try {
    for (const split of [trainer.data.train, trainer.data.test]) {
      if (split.lazy) printer.line(`adautomix: ${split.source}`);
    }
    if (config.dataset.validation) printer.line(`adautomix: evaluating on ${trainer.data.test.count} held-out images, ${trainer.data.test.source}`);
    const run = await RunDir.create(out);
    await run.writeConfig({ ...config, resolved: { ...trainer.info } });
    return { trainer, run, config };
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
}

/** The run folder a checkpoint folder belongs to (run/checkpoints/step-N), or null. */
function runDirOf(checkpoint: string): string | null {
  const parent = dirname(checkpoint);
  return basename(parent) === 'checkpoints' ? dirname(parent) : null;
}

/** A run continued from its newest checkpoint (--resume). */
async function resumeRun(command: TrainCommand, printer: ProgressPrinter): Promise<Session> {
  const c = command.config;
  printer.line(`adautomix: resuming from ${command.resume}`);
  const { trainer, checkpoint } = await resumeTrainer(command.resume!, {
    threads: c.threads,
    device: c.device,
    speed: c.speed,
    dataDir: c.dataset?.dir,
    checkpoint: c.checkpoint,
  });
  try {
    const own = runDirOf(checkpoint);
    const dir = command.out ?? own;
    if (dir === null) throw configError(`${checkpoint} is not inside a run folder (run/checkpoints/step-N): pass --out for the continued run`);
    if (own === null || resolvePath(dir) !== resolvePath(own)) await refuseRunFolder(dir, 'or give another --out for the continued run');
    const p = trainer.progress;
    const run = await RunDir.reopen(dir, p.epoch, p.globalStep, own ?? dir);
    printer.line(`adautomix: continuing at epoch ${p.epoch + 1}, step ${p.globalStep} of ${trainer.totalSteps} (checkpoint ${checkpoint})`);
    if (command.out !== undefined) await run.writeConfig({ ...trainer.config, resolved: { ...trainer.info } });
    return { trainer, run, config: trainer.config };
  } catch (error) {
    await trainer.dispose();
    throw error;
  }
}

async function train(argv: string[]): Promise<number> {
  const command = await parseTrainArgs(argv);
  if (command.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const printer = new ProgressPrinter();
  const { trainer, run, config } = command.resume !== undefined ? await resumeRun(command, printer) : await startRun(command, printer);
  try {
    const { info } = trainer;
    printer.line(
      `adautomix: ${config.model.arch} (width ${config.model.baseWidth}, ${(info.parameters / 1e6).toFixed(2)}M params), ` +
        `method ${config.method.name}, ${config.epochs} epoch(s) × ${info.stepsPerEpoch} steps of ${config.batchSize}, ` +
        `device ${info.device}${info.deviceAutomatic ? ' (auto)' : ''}, ${info.threads} thread(s), LibTorch ${info.torchVersion}, ` +
        `speed options: ${speedSummary(info.speed)}`,
    );
    if (info.pretrained) {
      const p = info.pretrained;
      printer.line(
        `adautomix: loaded ${p.loaded} pretrained tensors from ${config.model.pretrained}` +
          (p.skipped.length ? `, classifier skipped (${p.skipped.join(', ')})` : '') +
          (p.defaulted.length ? `, ${p.defaulted.length} derivable buffer(s) not in the file kept at their defaults` : ''),
      );
    }
    printer.line(`adautomix: writing ${run.configPath}, ${run.metricsPath} and checkpoints in ${run.checkpointsDir}`);

    // Ctrl-C, and the SIGTERM a scheduler or `docker stop` sends before killing (SIGHUP: the
    // terminal went away), stop at the next step boundary with a checkpoint; a second one quits.
    const controller = new AbortController();
    let stoppedBy: NodeJS.Signals | null = null;
    const exitCode = (signal: NodeJS.Signals) => 128 + (osConstants.signals[signal] ?? 2);
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppedBy !== null) process.exit(exitCode(signal));
      stoppedBy = signal;
      printer.line(
        signal === 'SIGINT'
          ? 'adautomix: stopping at the next step boundary (Ctrl-C again to quit at once)'
          : `adautomix: ${signal}: stopping at the next step boundary with a checkpoint (a second signal quits at once)`,
      );
      controller.abort();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    let lastCheckpoint: string | null = null;
    const split = config.dataset.validation ? 'val' : 'test';
    const log = await RunLogger.open(run, config.log);
    try {
      const summary = await trainer.fit({
        signal: controller.signal,
        onProgress: (p) => {
          printer.step(p);
          log.step(p);
        },
        onEpochEnd: async (m) => {
          printer.line(formatEpoch(m, split));
          await log.epoch(m, trainer.progress.globalStep);
        },
        checkpoints: new CheckpointStore(run.checkpointsDir, config.checkpoint.keep),
        onCheckpoint: (path) => {
          lastCheckpoint = path;
        },
        ...(config.checkpoint.best && { bestWeights: run.bestWeightsPath }),
      });
      await log.flush();
      await trainer.saveWeights(run.weightsPath);
      const last = summary.history[summary.history.length - 1];
      printer.line(
        `adautomix: done in ${formatDuration(summary.seconds)}; final ${split} top-1 ${last?.top1.toFixed(2)}%` +
          (last && last.head !== 'head' ? ` (head ${last.head})` : '') +
          `; metrics in ${run.metricsPath}, weights in ${run.weightsPath}`,
      );
      if (summary.reported) printer.line(formatReported(summary.reported));
      if (summary.best) printer.line(formatBest(summary.best, run.bestWeightsPath));
      return 0;
    } catch (error) {
      if (error instanceof AdautomixError && error.code === 'E_ABORT') {
        const summary = (error as AdautomixError & { summary?: FitSummary }).summary;
        await log.flush();
        await trainer.saveWeights(run.weightsPath);
        printer.line(
          `adautomix: interrupted after ${summary?.stepsCompleted ?? '?'} step(s). Kept: ${summary?.epochsCompleted ?? 0} ` +
            `finished epoch(s) in ${run.metricsPath}, the weights at that step in ${run.weightsPath}` +
            (lastCheckpoint ? ` and a checkpoint in ${lastCheckpoint}; continue with: adautomix train --resume ${run.dir}` : ''),
        );
        if (summary?.best) printer.line(formatBest(summary.best, run.bestWeightsPath));
        return exitCode(stoppedBy ?? 'SIGINT');
      }
      throw error;
    } finally {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
  } finally {
    await trainer.dispose();
  }
}

function info(): number {
  const build = buildInfo();
  // trainThreads: what `train` uses without --threads, which is not LibTorch's defaultThreads.
  console.log(JSON.stringify({ version: version(), ...build, trainThreads: availableParallelism() }, null, 2));
  return 0;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await train(rest);
      case 'samples':
        return await samples(rest);
      case 'eval':
        return await evaluate(rest);
      case 'report':
        return await report(rest);
      case 'predict':
        return await predict(rest);
      case 'export':
        return await exportCommand(rest);
      case 'presets':
        return listPresets(rest);
      case 'models':
        return listModelsCommand(rest);
      case 'info':
        return info();
      case '--version':
      case '-v':
        console.log(version());
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`adautomix: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof AdautomixError) {
      console.error(`\nadautomix: ${error.message} [${error.code}]${error.detail ? `\n  detail: ${error.detail}` : ''}`);
      return error.code === 'E_CONFIG' ? 2 : 1;
    }
    if (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`adautomix: ${error.message}\n\n${COMMAND_USAGE[command ?? ''] ?? USAGE}`);
      return 2;
    }
    throw error;
  }
}
