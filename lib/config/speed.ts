/**
 * The speed options (README "Speed options"): how a step is computed, never what it trains.
 * `'fast'` switches every one on for CUDA and leaves the CPU as it is (gpuOnly); the CUDA-only
 * ones are ignored on the CPU anyway, so a config moves between machines unchanged (the trainer's
 * info says which are in effect).
 */
import { configError } from '../errors.js';
import type { ResolvedConfig, SpeedConfig } from './types.js';
import { bool, checkKeys, describe, oneOf } from './validate.js';

export const SPEED_DEFAULTS: ResolvedConfig['speed'] = {
  precision: 'fp32',
  channelsLast: false,
  cudnnBenchmark: false,
  pinnedMemory: false,
  deviceAugment: false,
  multiTensor: true,
  cudaGraphs: false,
  gpuOnly: false,
  tf32: 'convolutions',
};

export const SPEED_FAST: ResolvedConfig['speed'] = {
  precision: 'bf16',
  channelsLast: true,
  cudnnBenchmark: true,
  pinnedMemory: true,
  deviceAugment: true,
  multiTensor: true,
  cudaGraphs: true,
  gpuOnly: true,
  // Not 'all': the fp32 islands of the bf16 forward (attention logits, softmaxes) stay IEEE fp32.
  tf32: 'convolutions',
};

export function resolveSpeed(input: SpeedConfig | 'fast' | undefined): ResolvedConfig['speed'] {
  if (input === undefined) return { ...SPEED_DEFAULTS };
  if (input === 'fast') return { ...SPEED_FAST };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw configError(`speed must be 'fast' or an object of speed options, got ${describe(input)}`);
  }
  checkKeys('speed', input, Object.keys(SPEED_DEFAULTS));
  const d = SPEED_DEFAULTS;
  return {
    precision: oneOf('speed.precision', input.precision ?? d.precision, ['fp32', 'bf16'] as const),
    channelsLast: bool('speed.channelsLast', input.channelsLast ?? d.channelsLast),
    cudnnBenchmark: bool('speed.cudnnBenchmark', input.cudnnBenchmark ?? d.cudnnBenchmark),
    pinnedMemory: bool('speed.pinnedMemory', input.pinnedMemory ?? d.pinnedMemory),
    deviceAugment: bool('speed.deviceAugment', input.deviceAugment ?? d.deviceAugment),
    multiTensor: bool('speed.multiTensor', input.multiTensor ?? d.multiTensor),
    cudaGraphs: bool('speed.cudaGraphs', input.cudaGraphs ?? d.cudaGraphs),
    gpuOnly: bool('speed.gpuOnly', input.gpuOnly ?? d.gpuOnly),
    tf32: oneOf('speed.tf32', input.tf32 ?? d.tf32, ['off', 'convolutions', 'all'] as const),
  };
}

/** The options in effect, for a log line: 'bf16, channels-last' ('none' when all are off). */
export function speedSummary(s: ResolvedConfig['speed']): string {
  const on = [
    s.precision === 'bf16' && 'bf16',
    s.channelsLast && 'channels-last',
    s.cudnnBenchmark && 'cuDNN autotuning',
    s.pinnedMemory && 'pinned memory',
    s.deviceAugment && 'crop/flip on the device',
    s.multiTensor && 'multi-tensor updates',
    s.cudaGraphs && 'CUDA graphs',
    s.tf32 === 'all' && 'TF32 matmuls',
  ].filter((x): x is string => typeof x === 'string');
  return on.length > 0 ? on.join(', ') : 'none';
}
