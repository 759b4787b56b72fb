/** The `adautomix` command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../config/resolve.js';
import { presets } from '../config/presets.js';
import { AdautomixError } from '../errors.js';
import { loadNative, packageRoot } from '../native.js';
import { listModels } from '../models/list.js';
import { RunDir } from '../report/run-dir.js';
import { createTrainer } from '../train/trainer.js';
import { parseTrainArgs, TRAIN_USAGE } from './args.js';
import { samples } from './samples.js';
import { formatDuration, formatEpoch, formatReported, ProgressPrinter } from './progress.js';

const USAGE = `Usage: adautomix <command> [options]

Commands:
  train     train a classifier (adautomix train --help)
  samples   a PNG grid of a learned mixer's masks and mixed images (adautomix samples --help)
  presets   list the named presets
  models    list the model architectures and their defaults
  info      LibTorch version, devices and threads of this build
  --version print the version`;

function defaultOutDir(preset: string | null): string {
  const stamp = new Date().toISOString().replace(/[:T]/g, '-').replace(/\..*$/, '');
  return join('runs', `${preset ?? 'run'}-${stamp}`);
}

async function train(argv: string[]): Promise<number> {
  const command = await parseTrainArgs(argv);
  if (command.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const config = resolveConfig(command.config);
  const out = command.out ?? defaultOutDir(config.preset);
  const printer = new ProgressPrinter();
  printer.line(`adautomix: loading ${config.dataset.name} from ${config.dataset.dir}`);
  const trainer = await createTrainer(command.config);
  try {
    const run = await RunDir.create(out);
    await run.writeConfig({ ...config, resolved: { ...trainer.info } });
    const { info } = trainer;
    printer.line(
      `adautomix: ${config.model.arch} (width ${config.model.baseWidth}, ${(info.parameters / 1e6).toFixed(2)}M params), ` +
        `method ${config.method.name}, ${config.epochs} epoch(s) × ${info.stepsPerEpoch} steps of ${config.batchSize}, ` +
        `device ${info.device}${info.deviceAutomatic ? ' (auto)' : ''}, ${info.threads} thread(s), LibTorch ${info.torchVersion}`,
    );
    if (info.pretrained) {
      const p = info.pretrained;
      printer.line(
        `adautomix: loaded ${p.loaded} pretrained tensors from ${config.model.pretrained}` +
          (p.skipped.length ? `, classifier skipped (${p.skipped.join(', ')})` : '') +
          (p.defaulted.length ? `, ${p.defaulted.length} derivable buffer(s) not in the file kept at their defaults` : ''),
      );
    }
    printer.line(`adautomix: writing ${run.configPath} and ${run.metricsPath}`);

    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts += 1;
      if (interrupts > 1) process.exit(130);
      printer.line('adautomix: stopping at the next step boundary (Ctrl-C again to quit at once)');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const summary = await trainer.fit({
        signal: controller.signal,
        onProgress: (p) => printer.step(p),
        onEpochEnd: async (m) => {
          printer.line(formatEpoch(m));
          await run.appendMetrics(m);
        },
      });
      await trainer.saveWeights(run.weightsPath);
      const last = summary.history[summary.history.length - 1];
      printer.line(
        `adautomix: done in ${formatDuration(summary.seconds)}; final test top-1 ${last?.top1.toFixed(2)}%` +
          (last && last.head !== 'head' ? ` (head ${last.head})` : '') +
          `; metrics in ${run.metricsPath}, weights in ${run.weightsPath}`,
      );
      if (summary.reported) printer.line(formatReported(summary.reported));
      return 0;
    } catch (error) {
      if (error instanceof AdautomixError && error.code === 'E_ABORT') {
        const summary = (error as AdautomixError & { summary?: { epochsCompleted: number; stepsCompleted: number } }).summary;
        await trainer.saveWeights(run.weightsPath);
        printer.line(
          `adautomix: interrupted after ${summary?.stepsCompleted ?? '?'} step(s). Kept: ${summary?.epochsCompleted ?? 0} ` +
            `finished epoch(s) in ${run.metricsPath}, the config in ${run.configPath} and the weights at that step in ` +
            `${run.weightsPath} (no optimizer state: resuming training needs checkpoints, not in this version).`,
        );
        return 130;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await trainer.dispose();
  }
}

function listPresets(): number {
  for (const [name, preset] of Object.entries(presets)) console.log(`${name}\n  ${preset.description}`);
  return 0;
}

function listModelsCommand(): number {
  for (const m of listModels()) {
    const drop = m.dropPath > 0 ? `, drop path ${m.dropPath}` : '';
    console.log(`${m.name}\n  ${m.description}; width ${m.baseWidth}, ${m.stages} stages, laid out for ${m.imageSize}²${drop}`);
  }
  return 0;
}

function info(): number {
  const build = loadNative().buildInfo();
  console.log(JSON.stringify(build, null, 2));
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
      case 'presets':
        return listPresets();
      case 'models':
        return listModelsCommand();
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
      console.error(`adautomix: ${error.message}\n\n${TRAIN_USAGE}`);
      return 2;
    }
    throw error;
  }
}
