/**
 * Resolves the classic mixup family's options (ALGORITHMS.md §3): one method by name, or
 * `name: 'classic'` with a list of modes of which one is picked per iteration (OpenMixup's
 * mix_mode/mix_prob). Default α per method: the CIFAR-100 ResNet column of ALGORITHMS.md §3.
 */
import { configError } from '../errors.js';
import { readSafetensors } from '../io/safetensors.js';
import { classicAlpha } from './classic-alpha.js';
import type { NativeTrainerOptions } from '../native.js';
import type { AttentiveConfig, ClassicMethodName, ClassicModeConfig, MethodConfig, PuzzleConfig, ResolvedClassicMode, ResolvedConfig } from './types.js';
import { bool, checkKeys, describe, int, num, oneOf, section } from './validate.js';

export const CLASSIC_METHODS: readonly ClassicMethodName[] = [
  'mixup', 'cutmix', 'manifoldmix', 'fmix', 'resizemix', 'saliencymix', 'gridmix', 'smoothmix', 'snapmix', 'puzzlemix', 'attentivemix',
];

/**
 * Beta(α, α) defaults: OpenMixup's and AdAutoMix's CIFAR-100 ResNet-18/ResNeXt-50 settings;
 * SnapMix, which has none there, AdAutoMix's fine-grained one.
 */
export const CLASSIC_DEFAULT_ALPHA = Object.fromEntries(
  CLASSIC_METHODS.map((m) => [m, classicAlpha(m, 'cifar100') ?? classicAlpha(m, 'fine-grained')!]),
) as Record<ClassicMethodName, number>;

/** The per-method options, valid at the method level (one method) and in each mode. */
const MODE_OPTION_KEYS = ['fmixDecay', 'smoothmixLabel', 'manifoldLayers', 'resizeScale', 'snapmixLabel', 'puzzle', 'attentive'] as const;
const OPTION_OWNER: Record<(typeof MODE_OPTION_KEYS)[number], ClassicMethodName> = {
  fmixDecay: 'fmix', smoothmixLabel: 'smoothmix', manifoldLayers: 'manifoldmix', resizeScale: 'resizemix', snapmixLabel: 'snapmix',
  puzzle: 'puzzlemix', attentive: 'attentivemix',
};

function resolveAttentive(where: string, value: unknown): AttentiveConfig {
  const a = section<AttentiveConfig>(where, value);
  checkKeys(where, a, ['pretrained', 'beta']);
  if (typeof a.pretrained !== 'string' || a.pretrained === '') {
    throw configError(
      `${where}.pretrained is required for attentivemix: a torchvision resnet18 state dict saved as safetensors ` +
        `(docs/models.md shows the conversion), got ${describe(a.pretrained)}`,
    );
  }
  return { pretrained: a.pretrained, beta: a.beta === undefined || a.beta === null ? null : num(`${where}.beta`, a.beta, 0, 1000, true) };
}

function resolvePuzzle(where: string, value: unknown): PuzzleConfig {
  const p = section<PuzzleConfig>(where, value);
  checkKeys(where, p, ['blockNum', 'beta', 'gamma', 'eta', 'neighbourSize', 'transport', 'transportEps', 'transportSize']);
  const transportSize = p.transportSize ?? 4;
  if (transportSize !== -1) int(`${where}.transportSize`, transportSize, 1, 4096);
  return {
    blockNum: int(`${where}.blockNum`, p.blockNum ?? 5, 2, 12),
    beta: num(`${where}.beta`, p.beta ?? 1.2, 0, 1000),
    gamma: num(`${where}.gamma`, p.gamma ?? 0.5, 0, 1000),
    eta: num(`${where}.eta`, p.eta ?? 0.2, 0, 1000),
    neighbourSize: int(`${where}.neighbourSize`, p.neighbourSize ?? 4, 1, 4096),
    transport: bool(`${where}.transport`, p.transport ?? true),
    transportEps: num(`${where}.transportEps`, p.transportEps ?? 0.8, 0, 1000),
    transportSize,
  };
}

export const CLASSIC_METHOD_KEYS = ['name', 'alpha', 'modes', ...MODE_OPTION_KEYS] as const;

export function isClassicMethod(name: string): name is ClassicMethodName {
  return (CLASSIC_METHODS as readonly string[]).includes(name);
}

function pair(name: string, value: unknown, check: (label: string, v: unknown) => number): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw configError(`${name} must be [first, last], got ${describe(value)}`);
  const a = check(`${name}[0]`, value[0]);
  const b = check(`${name}[1]`, value[1]);
  if (b < a) throw configError(`${name} must be [first, last] with first <= last, got [${a}, ${b}]`);
  return [a, b];
}

function resolveMode(where: string, input: Partial<ClassicModeConfig>, probability: number): ResolvedClassicMode {
  const name = oneOf(`${where}.name`, input.name, CLASSIC_METHODS);
  for (const key of MODE_OPTION_KEYS) {
    if (key in input && input[key] !== undefined && OPTION_OWNER[key] !== name) {
      throw configError(`${where}.${key} is an option of ${OPTION_OWNER[key]}, not of ${name}`);
    }
  }
  return {
    name,
    alpha: num(`${where}.alpha`, input.alpha ?? CLASSIC_DEFAULT_ALPHA[name], 0, 1000, true),
    probability,
    fmixDecay: num(`${where}.fmixDecay`, input.fmixDecay ?? 3, 0, 100, true),
    smoothmixLabel: oneOf(`${where}.smoothmixLabel`, input.smoothmixLabel ?? 'openmixup', ['openmixup', 'share'] as const),
    manifoldLayers: input.manifoldLayers === undefined ? [0, 2] : pair(`${where}.manifoldLayers`, input.manifoldLayers, (l, v) => int(l, v, 0, 16)),
    resizeScale: input.resizeScale === undefined ? [0.1, 0.8] : pair(`${where}.resizeScale`, input.resizeScale, (l, v) => num(l, v, 0, 1, true)),
    snapmixLabel: oneOf(`${where}.snapmixLabel`, input.snapmixLabel ?? 'batch-mean', ['batch-mean', 'per-sample'] as const),
    puzzle: resolvePuzzle(`${where}.puzzle`, input.puzzle),
    attentive: name === 'attentivemix' ? resolveAttentive(`${where}.attentive`, input.attentive) : null,
  };
}

/**
 * The modes of a classic method config: `[that method]` for a single method name, or the `modes`
 * list for 'classic' (probabilities default to equal shares and are normalised by the native side).
 */
export function resolveClassicModes(name: ClassicMethodName | 'classic', input: Partial<MethodConfig>): ResolvedClassicMode[] {
  if (name !== 'classic') {
    if (input.modes !== undefined) throw configError(`method.modes needs method.name 'classic', got '${name}'`);
    return [resolveMode('method', { ...input, name }, 1)];
  }
  for (const key of ['alpha', ...MODE_OPTION_KEYS] as const) {
    if (key in input && input[key] !== undefined) throw configError(`method.${key} of 'classic' goes into each entry of method.modes`);
  }
  const modes = input.modes;
  if (!Array.isArray(modes) || modes.length === 0) {
    throw configError(`method 'classic' needs method.modes, a non-empty list such as [{ name: 'mixup' }, { name: 'cutmix' }]`);
  }
  const resolved = modes.map((m, i) => {
    const where = `method.modes[${i}]`;
    if (typeof m !== 'object' || m === null) throw configError(`${where} must be an object, got ${describe(m)}`);
    checkKeys(where, m, ['name', 'alpha', 'probability', ...MODE_OPTION_KEYS]);
    const probability = m.probability === undefined ? 1 / modes.length : num(`${where}.probability`, m.probability, 0, 1);
    return resolveMode(where, m, probability);
  });
  if (!resolved.some((m) => m.probability > 0)) throw configError('method.modes: at least one probability must be above 0');
  return resolved;
}

/**
 * The method options as the addon takes them: AttentiveMix's frozen network weights read from
 * their file (the resolved config keeps only the path, so it stays JSON).
 */
export async function nativeMethodOptions(method: ResolvedConfig['method']): Promise<NativeTrainerOptions['method']> {
  if (!method.modes?.some((m) => m.attentive !== null)) return { ...method };
  const modes = await Promise.all(
    method.modes.map(async (m) => (m.attentive === null ? m : { ...m, attentiveWeights: await readSafetensors(m.attentive.pretrained) })),
  );
  return { ...method, modes };
}
