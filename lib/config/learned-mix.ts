/**
 * Resolves the options of AutoMix and AdAutoMix. Defaults are the official CIFAR-100 ResNet-18
 * configs (ALGORITHMS.md §1.2, §2.4); the generator's optimizer group defaults to the main one,
 * as those configs share it.
 */
import { configError } from '../errors.js';
import type { LearnedMixConfig, MethodConfig, ResolvedConfig, ResolvedLearnedMix } from './types.js';
import { bool, checkKeys, describe, int, num, oneOf, section } from './validate.js';

export const LEARNED_METHOD_KEYS = [
  'name', 'alpha', 'upsample', 'lamConcat', 'lamMargin', 'noRepeatShuffle', 'switchOff', 'exactFastPath', 'ema',
  'generator', 'mixSamples', 'randomSamples', 'mixupRatio', 'betaRatio', 'advInterval', 'cosineMode',
  'lamMarginRule', 'lambdaSampler', 'maskLoss', 'attentionNorm',
] as const;

/** Keys that only one of the two methods reads: giving them to the other is a mistake worth naming. */
const ADAUTOMIX_ONLY = [
  'mixSamples', 'randomSamples', 'mixupRatio', 'betaRatio', 'advInterval', 'cosineMode', 'lamMarginRule', 'lambdaSampler', 'attentionNorm',
];
const AUTOMIX_ONLY = ['maskLoss'];

/** A resolved method back as options (e.g. from a run's config.json), without the other method's keys. */
export function learnedMixConfig(name: 'automix' | 'adautomix', alpha: number, resolved: ResolvedLearnedMix): MethodConfig {
  const foreign = name === 'automix' ? ADAUTOMIX_ONLY : AUTOMIX_ONLY;
  const options = Object.fromEntries(Object.entries(resolved).filter(([key]) => !foreign.includes(key)));
  return { ...options, name, alpha };
}

/** The main optimizer's settings that the generator's group falls back on. */
type MainGroup = Pick<ResolvedConfig['optimizer'], 'lr' | 'minLr' | 'momentum' | 'weightDecay' | 'nesterov'>;

export function resolveLearnedMix(
  name: 'automix' | 'adautomix',
  input: Partial<MethodConfig>,
  optimizer: MainGroup,
): ResolvedLearnedMix {
  const wrongKeys = (name === 'automix' ? ADAUTOMIX_ONLY : AUTOMIX_ONLY).filter((k) => k in input);
  if (wrongKeys.length > 0) {
    throw configError(`method.${wrongKeys[0]} is an option of ${name === 'automix' ? 'adautomix' : 'automix'}, not of ${name}`);
  }
  const automix = name === 'automix';
  const ema = section<NonNullable<LearnedMixConfig['ema']>>('method.ema', input.ema);
  checkKeys('method.ema', ema, ['start', 'end', 'scope', 'warmup', 'updateInterval']);
  const generator = section<NonNullable<LearnedMixConfig['generator']>>('method.generator', input.generator);
  checkKeys('method.generator', generator, ['lr', 'minLr', 'momentum', 'weightDecay', 'nesterov']);
  const maskLoss = section<NonNullable<LearnedMixConfig['maskLoss']>>('method.maskLoss', input.maskLoss);
  checkKeys('method.maskLoss', maskLoss, ['weight', 'mode', 'margin', 'schedule']);

  const scope = ema.scope ?? [0.1, 1];
  if (!Array.isArray(scope) || scope.length !== 2 || !scope.every((v) => typeof v === 'number' && v >= 0 && v <= 1) || scope[0] > scope[1]) {
    throw configError(`method.ema.scope must be [start, end] with 0 ≤ start ≤ end ≤ 1, got ${describe(scope)}`);
  }
  const start = num('method.ema.start', ema.start ?? 0.999, 0, 1);
  const generatorLr = num('method.generator.lr', generator.lr ?? optimizer.lr, 0, 100, true);
  const mixSamples = int('method.mixSamples', input.mixSamples ?? 3, 2, 16);

  return {
    upsample: oneOf('method.upsample', input.upsample ?? (automix ? 'nearest' : 'bilinear'), ['nearest', 'bilinear', 'bicubic', 'random'] as const),
    lamConcat: bool('method.lamConcat', input.lamConcat ?? false),
    lamMargin: num('method.lamMargin', input.lamMargin ?? (automix ? 0.08 : 0.03), -1, 0.5),
    noRepeatShuffle: bool('method.noRepeatShuffle', input.noRepeatShuffle ?? false),
    switchOff: num('method.switchOff', input.switchOff ?? 0, 0, 1),
    exactFastPath: bool('method.exactFastPath', input.exactFastPath ?? true),
    ema: {
      start,
      end: num('method.ema.end', ema.end ?? 0.999999, start, 1),
      scope: [scope[0]!, scope[1]!],
      warmup: oneOf('method.ema.warmup', ema.warmup ?? 'constant', ['constant', 'linear'] as const),
      updateInterval: int('method.ema.updateInterval', ema.updateInterval ?? 1, 1, 1_000_000),
    },
    attentionNorm: oneOf('method.attentionNorm', input.attentionNorm ?? 'none', ['none', 'batchnorm'] as const),
    generator: {
      lr: generatorLr,
      minLr: num('method.generator.minLr', generator.minLr ?? Math.min(optimizer.minLr, generatorLr), 0, generatorLr),
      momentum: num('method.generator.momentum', generator.momentum ?? optimizer.momentum, 0, 1),
      weightDecay: num('method.generator.weightDecay', generator.weightDecay ?? optimizer.weightDecay, 0, 1),
      nesterov: bool('method.generator.nesterov', generator.nesterov ?? optimizer.nesterov),
    },
    mixSamples: automix ? 2 : mixSamples,
    randomSamples: bool('method.randomSamples', input.randomSamples ?? false),
    mixupRatio: num('method.mixupRatio', input.mixupRatio ?? 0.5, 0, 1),
    betaRatio: num('method.betaRatio', input.betaRatio ?? 0.3, 0, 1),
    advInterval: int('method.advInterval', input.advInterval ?? 2, 1, 1_000_000),
    cosineMode: oneOf('method.cosineMode', input.cosineMode ?? 'official', ['official', 'similarity'] as const),
    lamMarginRule: oneOf('method.lamMarginRule', input.lamMarginRule ?? 'official', ['official', 'openmixup'] as const),
    lambdaSampler: oneOf('method.lambdaSampler', input.lambdaSampler ?? 'beta-normalised', ['beta-normalised', 'dirichlet'] as const),
    maskLoss: {
      weight: num('method.maskLoss.weight', maskLoss.weight ?? 0.1, 0, 100),
      mode: oneOf('method.maskLoss.mode', maskLoss.mode ?? 'L1', ['L1', 'L2', 'L1+Variance', 'L2+Variance'] as const),
      margin: num('method.maskLoss.margin', maskLoss.margin ?? 0.1, 0, 1),
      schedule: oneOf('method.maskLoss.schedule', maskLoss.schedule ?? 'constant', ['constant', 'cosine'] as const),
    },
  };
}
