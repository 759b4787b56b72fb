/** `adautomix export --run DIR`: a trained run's network as a torchvision state dict. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { requireRun } from './args.js';
import { exportRun } from '../export/from-run.js';
import type { RunWeights } from '../train/best-weights.js';
import { formatBestWeights, ProgressPrinter } from './progress.js';

export const EXPORT_USAGE = `Usage: adautomix export --run DIR [options]

Writes a trained run's network (one backbone and one head) as a safetensors state dict in
torchvision's names, for PyTorch: torchvision's model of the same architecture loads it with
load_state_dict (CIFAR variants: with the CIFAR stem swapped in; see docs/models.md, "Using a
trained network in PyTorch"). Its metadata (adautomix.network) records the architecture, input
shape, classes and their names, and the normalisation.

  --run <dir>        the run folder (required)
  --weights <which>  last (default: weights.safetensors) | best (best.safetensors)
  --head <name>      the head whose network is written (default: the reported one, one_k, the
                     EMA network, for AutoMix/AdAutoMix; mix_k, one_q, mix_q are the others)
  --out <file>       default DIR/torchvision.safetensors (DIR/torchvision-best.safetensors with
                     --weights best); its folder is created
  -h, --help         this help`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      run: { type: 'string' },
      weights: { type: 'string' },
      head: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  const run = requireRun('export', values.run);
  const weights = (values.weights ?? 'last') as RunWeights;
  const out = values.out ?? join(run, weights === 'best' ? 'torchvision-best.safetensors' : 'torchvision.safetensors');
  const network = await exportRun(run, out, { weights, head: values.head });
  const printer = new ProgressPrinter();
  if (network.best) printer.line(`adautomix: ${formatBestWeights(network.best)}`);
  const [height, width, channels] = network.inputShape;
  printer.line(
    `adautomix: wrote ${out}: ${network.arch} (width ${network.baseWidth}) with head ${network.head} as its classifier, ` +
      `${network.tensors} tensors, for ${height}x${width}x${channels} images and ${network.classes} classes`,
  );
  return 0;
}
