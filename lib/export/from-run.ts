/**
 * `exportRun`: a trained run folder's network written as a torchvision state dict (safetensors),
 * with what PyTorch code needs to use it (architecture, input, classes and their names,
 * normalisation) in the file's metadata under `adautomix.network`.
 */
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { dirname } from 'node:path';
import { attempt, checkPath, makeDirectory } from '../io/attempt.js';
import { checkedHead } from '../eval/reported.js';
import { readRunConfig, runInput } from '../report/run-input.js';
import { runWeightsFile, type BestRecord, type RunWeights } from '../train/best-weights.js';
import { torchvisionState } from './torchvision.js';

export interface ExportOptions {
  /** The run's last weights (default) or its best epoch's. */
  weights?: RunWeights;
  /** The head whose network is exported (default: the reported one, one_k for AutoMix/AdAutoMix). */
  head?: string;
}

/** What an exported file holds, as its metadata records it. */
export interface ExportedNetwork {
  arch: string;
  baseWidth: number;
  /** [height, width, channels] of the images the network was trained on. */
  inputShape: [number, number, number];
  classes: number;
  classNames: string[] | null;
  /** The per-channel normalisation of the input, in [0, 1] pixel units. */
  mean: number[];
  std: number[];
  head: string;
  weights: RunWeights;
  /** With weights 'best': which epoch. */
  best: BestRecord | null;
  /** Tensors written. */
  tensors: number;
}

export async function exportRun(dir: string, path: string, options: ExportOptions | null = {}): Promise<ExportedNetwork> {
  checkPath(path, 'the export file');
  const { saved, config } = await readRunConfig(dir);
  const file = await runWeightsFile(dir, options?.weights ?? 'last');
  const learned = config.method.learned !== null;
  const head = checkedHead(options?.head, learned);
  const state = torchvisionState(await readSafetensors(file.path), config.model.arch, head, learned);
  const input = await runInput(saved, config);
  const network: ExportedNetwork = {
    arch: config.model.arch,
    baseWidth: config.model.baseWidth,
    inputShape: input.inputShape,
    classes: input.classes,
    classNames: input.classNames,
    mean: input.normalisation.mean,
    std: input.normalisation.std,
    head,
    weights: file.best ? 'best' : 'last',
    best: file.best,
    tensors: Object.keys(state).length,
  };
  await attempt(`create ${dirname(path)}`, () => makeDirectory(dirname(path)));
  await writeSafetensors(path, state, { 'adautomix.network': JSON.stringify(network) });
  return network;
}
