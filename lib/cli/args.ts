/** Command-line parsing for `adautomix`: flags become a TrainConfig layered over --config and --preset. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SPEED_FAST } from '../config/speed.js';
import type { SpeedConfig, TrainConfig } from '../config/types.js';
import { configError } from '../errors.js';
import { attempt } from '../io/attempt.js';

export const TRAIN_USAGE = `Usage: adautomix train [options]

Trains an image classifier and evaluates it on the test split (or a validation split, --val-split)
after every epoch.

  --preset <name>        start from a preset (default: fmnist-quick; see \`adautomix presets\`)
  --config <file.json>   a TrainConfig in JSON; flags below override it
  --method <name>        vanilla | automix | adautomix | mixup | cutmix | manifoldmix | fmix | resizemix |
                         saliencymix | gridmix | smoothmix | snapmix | puzzlemix | attentivemix
                         (several per run: 'classic' with modes in --config;
                         options: --config, see docs/methods.md and docs/classic-methods.md)
  --alpha <x>            Beta(α, α) of the mixing ratio
  --epochs <n>           training epochs
  --batch-size <n>       training batch size
  --lr <x>               base learning rate (cosine schedule to --min-lr)
  --min-lr <x>           learning-rate floor
  --arch <name>          model architecture (default: resnet18_cifar; see \`adautomix models\`)
  --width <n>            first-stage width (default: the architecture's, e.g. 64 for ResNets)
  --drop-path <x>        stochastic-depth rate of the last block (Swin, ConvNeXt)
  --image-size <n>       size the model is laid out for (Swin's windows; default: the data's)
  --pretrained <file>    start from a torchvision state dict saved as safetensors, or a run's
                         weights.safetensors (docs/models.md)
  --skip-classifier      with --pretrained: keep a fresh classifier (fine-tuning on other classes)
  --seed <n>             seed of every random draw (same seed, same run on CPU)
  --threads <n>          CPU threads for LibTorch (default: all cores)
  --device <d>           auto | cpu | cuda | cuda:N (default: auto)
  --precision <p>        fp32 | bf16: bf16 autocast of the forward passes, the masks' attention and
                         the losses kept in fp32 (default fp32; README "Speed options")
  --channels-last        weights and batches in NHWC memory order (pays on CUDA)
  --fast                 every speed option on for CUDA: bf16, channels-last, cuDNN autotuning,
                         pinned memory, crop/flip on the GPU and CUDA graphs (a CPU run stays
                         as it is)
  --dataset <name>       fashion-mnist | mnist | cifar10 | cifar100 | tiny-imagenet | image-folder | image-list
                         (default: fashion-mnist)
  --data <dir>           the dataset's folder (Fashion-MNIST default: /usr/share/datasets/fashion-mnist;
                         CIFAR: the binary or Python version, extracted; tiny-imagenet: tiny-imagenet-200;
                         image-folder: train/<class>/ and val/<class>/; image-list: meta/train.txt,
                         meta/test.txt and images/); --data-dir is the same
  --store-size <n>       image datasets: the side images are decoded to (default 64 Tiny-ImageNet, 256 others)
  --train-limit <n>      use only the first n training images
  --test-limit <n>       use only the first n test images (of the validation split with --val-split)
  --val-split <x>        hold out this share of each class of the training images (0 < x <= 0.9)
                         and evaluate on it instead of the test split; class folders need no val/
  --val-seed <n>         the seed the held-out images are drawn with (default 0, whatever --seed)
  --out <dir>            where to write config.json, metrics.jsonl, weights.safetensors and
                         checkpoints/ (default: runs/<preset>-<time>); not a folder that already
                         holds a run (continue that with --resume)
  --checkpoint-every <n> write a checkpoint every n epochs (default 1; 0: only at the end and
                         when interrupted)
  --keep-checkpoints <k> keep the newest k checkpoints (default 2)
  --no-best              no best.safetensors (by default the run folder keeps the weights of the
                         epoch whose reported head had the best top-1 on the evaluated split; with
                         --val-split that choice never sees the test split)
  --log-every <n>        a metrics.jsonl step line and TensorBoard point every n steps (default 50; 0: epochs only)
  --no-tensorboard       no TensorBoard event files (default: written to <out>/tensorboard)
  --resume <dir>         continue a run exactly where its newest checkpoint left it: a run folder,
                         its checkpoints/ folder or one checkpoint (step-N). The run's own settings
                         are used; only --threads, --device, the speed flags, --data,
                         --checkpoint-every, --keep-checkpoints, --no-best and --out (continue
                         into another folder) may be given with it
  -h, --help             this help

Ctrl-C, SIGTERM (kill, docker stop, Slurm) and SIGHUP stop at the next step boundary and write
a checkpoint there (--resume continues from it); the finished epochs stay in metrics.jsonl and
the weights at that step in weights.safetensors. A second signal quits at once.`;

/** The flags that may accompany --resume: where and how fast the run continues, not what it trains. */
const RESUME_FLAGS = new Set(['resume', 'threads', 'device', 'precision', 'channels-last', 'fast', 'data', 'data-dir', 'checkpoint-every', 'keep-checkpoints', 'no-best', 'out']);

export interface TrainCommand {
  config: TrainConfig;
  out: string | undefined;
  /** --resume's folder. */
  resume: string | undefined;
  help: boolean;
}

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw configError(`--${name} must be a number, got '${value}'`);
  return n;
}

/** An integer flag of at least `min` (0 or 1), or undefined when absent. */
export function integerFlag(name: string, value: string | undefined, min: 0 | 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw configError(`--${name} must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got '${value}'`);
  return n;
}

/** The --run folder of the commands that read a trained run, or E_CONFIG naming the command. */
export function requireRun(command: string, run: string | undefined): string {
  if (run === undefined) throw configError(`${command} needs --run DIR (a folder written by adautomix train)`);
  return run;
}

async function readConfigFile(path: string): Promise<TrainConfig> {
  const text = await attempt(`read --config ${path}`, () => readFile(path, 'utf8'));
  try {
    return JSON.parse(text) as TrainConfig;
  } catch (error) {
    throw configError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** --fast, --precision and --channels-last over the --config file's speed options. */
function speedFlags(
  values: { fast?: boolean; precision?: string; 'channels-last'?: boolean },
  fromFile: TrainConfig['speed'],
): TrainConfig['speed'] {
  if (!values.fast && values.precision === undefined && !values['channels-last']) return undefined;
  if (values.precision !== undefined && values.precision !== 'fp32' && values.precision !== 'bf16') {
    throw configError(`--precision must be fp32 or bf16, got '${values.precision}'`);
  }
  const base: SpeedConfig = values.fast || fromFile === 'fast' ? { ...SPEED_FAST } : { ...fromFile };
  if (values.precision !== undefined) base.precision = values.precision;
  if (values['channels-last']) base.channelsLast = true;
  return base;
}

export async function parseTrainArgs(argv: string[]): Promise<TrainCommand> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      preset: { type: 'string' },
      config: { type: 'string' },
      method: { type: 'string' },
      alpha: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      'min-lr': { type: 'string' },
      width: { type: 'string' },
      arch: { type: 'string' },
      'drop-path': { type: 'string' },
      'image-size': { type: 'string' },
      pretrained: { type: 'string' },
      'skip-classifier': { type: 'boolean' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      device: { type: 'string' },
      precision: { type: 'string' },
      'channels-last': { type: 'boolean' },
      fast: { type: 'boolean' },
      'data-dir': { type: 'string' },
      data: { type: 'string' },
      dataset: { type: 'string' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      'val-split': { type: 'string' },
      'val-seed': { type: 'string' },
      'store-size': { type: 'string' },
      out: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'keep-checkpoints': { type: 'string' },
      'no-best': { type: 'boolean' },
      'log-every': { type: 'string' },
      'no-tensorboard': { type: 'boolean' },
      resume: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.resume !== undefined) {
    const others = Object.keys(values).filter((flag) => !RESUME_FLAGS.has(flag) && flag !== 'help');
    if (others.length > 0) {
      throw configError(
        `--resume continues the run with its own settings, so --${others[0]} cannot change it; ` +
          `only --threads, --device, --precision, --channels-last, --fast, --data, --checkpoint-every, --keep-checkpoints, --no-best and --out may be given with --resume`,
      );
    }
  }
  const file = values.config ? await readConfigFile(values.config) : {};
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw configError(`--config must hold a JSON object`);
  const config: TrainConfig = { ...file };
  config.preset = values.preset ?? file.preset ?? (values.config ? undefined : 'fmnist-quick');
  const set = <T>(value: T | undefined, apply: (v: T) => void) => {
    if (value !== undefined) apply(value);
  };
  const fileMethod = typeof file.method === 'string' ? { name: file.method } : file.method;
  if (values.method !== undefined || values.alpha !== undefined) {
    config.method = { ...fileMethod };
    set(values.method, (v) => ((config.method as { name?: string }).name = v));
    set(numberFlag('alpha', values.alpha), (v) => ((config.method as { alpha?: number }).alpha = v));
  }
  set(numberFlag('epochs', values.epochs), (v) => (config.epochs = v));
  set(numberFlag('batch-size', values['batch-size']), (v) => (config.batchSize = v));
  set(numberFlag('seed', values.seed), (v) => (config.seed = v));
  set(numberFlag('threads', values.threads), (v) => (config.threads = v));
  set(values.device, (v) => (config.device = v as TrainConfig['device']));
  const speed = speedFlags(values, file.speed);
  if (speed !== undefined) config.speed = speed;
  const lr = numberFlag('lr', values.lr);
  const minLr = numberFlag('min-lr', values['min-lr']);
  if (lr !== undefined || minLr !== undefined) config.optimizer = { ...file.optimizer, ...(lr !== undefined && { lr }), ...(minLr !== undefined && { minLr }) };
  const model: NonNullable<TrainConfig['model']> = {
    ...(values.arch !== undefined && { arch: values.arch as NonNullable<TrainConfig['model']>['arch'] }),
    ...(values.width !== undefined && { baseWidth: numberFlag('width', values.width) }),
    ...(values['drop-path'] !== undefined && { dropPath: numberFlag('drop-path', values['drop-path']) }),
    ...(values['image-size'] !== undefined && { imageSize: numberFlag('image-size', values['image-size']) }),
    ...(values.pretrained !== undefined && { pretrained: values.pretrained }),
    ...(values['skip-classifier'] && { skipClassifier: true }),
  };
  if (Object.keys(model).length > 0) config.model = { ...file.model, ...model };
  const trainLimit = numberFlag('train-limit', values['train-limit']);
  const testLimit = numberFlag('test-limit', values['test-limit']);
  const dataDir = values.data ?? values['data-dir'];
  const storeSize = numberFlag('store-size', values['store-size']);
  const validation = numberFlag('val-split', values['val-split']);
  const validationSeed = numberFlag('val-seed', values['val-seed']);
  const datasetFlags = [values.dataset, dataDir, trainLimit, testLimit, storeSize, validation, validationSeed];
  if (datasetFlags.some((v) => v !== undefined)) {
    config.dataset = {
      ...file.dataset,
      ...(values.dataset !== undefined && { name: values.dataset as NonNullable<TrainConfig['dataset']>['name'] }),
      ...(dataDir !== undefined && { dir: dataDir }),
      ...(trainLimit !== undefined && { trainLimit }),
      ...(testLimit !== undefined && { testLimit }),
      ...(storeSize !== undefined && { imageSize: storeSize }),
      ...(validation !== undefined && { validation }),
      ...(validationSeed !== undefined && { validationSeed }),
    };
  }
  const every = numberFlag('checkpoint-every', values['checkpoint-every']);
  const keep = numberFlag('keep-checkpoints', values['keep-checkpoints']);
  if (every !== undefined || keep !== undefined || values['no-best']) {
    config.checkpoint = { ...file.checkpoint, ...(every !== undefined && { every }), ...(keep !== undefined && { keep }), ...(values['no-best'] && { best: false }) };
  }
  const logEvery = numberFlag('log-every', values['log-every']);
  if (logEvery !== undefined || values['no-tensorboard']) {
    config.log = { ...file.log, ...(logEvery !== undefined && { everySteps: logEvery }), ...(values['no-tensorboard'] && { tensorboard: false }) };
  }
  return { config, out: values.out, resume: values.resume, help: values.help ?? false };
}
