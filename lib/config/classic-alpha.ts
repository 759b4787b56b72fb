/**
 * The Beta(α, α) settings the published tables used for each classic method, per dataset group
 * (ALGORITHMS.md §3, alpha table): OpenMixup's benchmark configs and the alpha column of
 * AdAutoMix's README/Experiments.md, which disagree in places. The presets of each dataset take
 * their α from here; null means the source gives none.
 */
import type { ClassicMethodName } from './types.js';

export type AlphaSetting = 'cifar100' | 'cifar100-vit' | 'tiny-imagenet' | 'imagenet' | 'imagenet-r18' | 'fine-grained';
export type AlphaSource = 'openmixup' | 'adautomix';

/** One method's α per dataset group, from each source (null: the source gives none). */
export type ClassicAlphaRow = Record<AlphaSetting, { openmixup: number | null; adautomix: number | null }>;

const both = (v: number | null) => ({ openmixup: v, adautomix: v });
const pair = (openmixup: number | null, adautomix: number | null) => ({ openmixup, adautomix });

export const CLASSIC_ALPHA_TABLE: Record<ClassicMethodName, ClassicAlphaRow> = {
  mixup: { cifar100: both(1), 'cifar100-vit': both(0.8), 'tiny-imagenet': both(1), imagenet: pair(0.2, 1), 'imagenet-r18': pair(0.2, 1), 'fine-grained': pair(0.2, 1) },
  cutmix: { cifar100: both(0.2), 'cifar100-vit': both(2), 'tiny-imagenet': pair(1, 0.2), imagenet: pair(1, 0.2), 'imagenet-r18': pair(0.2, 0.2), 'fine-grained': pair(1, 0.2) },
  manifoldmix: { cifar100: both(2), 'cifar100-vit': both(2), 'tiny-imagenet': pair(0.2, 2), imagenet: pair(0.2, 2), 'imagenet-r18': pair(0.2, 2), 'fine-grained': pair(0.5, 2) },
  smoothmix: { cifar100: both(0.2), 'cifar100-vit': both(0.2), 'tiny-imagenet': both(0.2), imagenet: both(null), 'imagenet-r18': both(null), 'fine-grained': pair(null, 0.2) },
  saliencymix: { cifar100: both(0.2), 'cifar100-vit': both(0.2), 'tiny-imagenet': pair(1, 0.2), imagenet: pair(1, 0.2), 'imagenet-r18': pair(0.2, 0.2), 'fine-grained': both(0.2) },
  attentivemix: { cifar100: both(2), 'cifar100-vit': both(2), 'tiny-imagenet': both(2), imagenet: pair(2, null), 'imagenet-r18': pair(2, null), 'fine-grained': pair(null, 2) },
  fmix: { cifar100: both(0.2), 'cifar100-vit': both(1), 'tiny-imagenet': pair(1, 0.2), imagenet: pair(1, 0.2), 'imagenet-r18': pair(0.2, 0.2), 'fine-grained': both(0.2) },
  gridmix: { cifar100: both(0.2), 'cifar100-vit': both(1), 'tiny-imagenet': both(0.2), imagenet: pair(0.2, null), 'imagenet-r18': pair(0.2, null), 'fine-grained': pair(null, 0.2) },
  resizemix: { cifar100: both(1), 'cifar100-vit': both(1), 'tiny-imagenet': both(1), imagenet: both(1), 'imagenet-r18': both(1), 'fine-grained': both(1) },
  puzzlemix: { cifar100: both(1), 'cifar100-vit': both(2), 'tiny-imagenet': both(1), imagenet: both(1), 'imagenet-r18': both(1), 'fine-grained': both(1) },
  snapmix: { cifar100: both(null), 'cifar100-vit': both(null), 'tiny-imagenet': both(null), imagenet: both(null), 'imagenet-r18': both(null), 'fine-grained': pair(null, 1) },
};

/** The α of `method` for a dataset group: the source's value, else the other source's, else null. */
export function classicAlpha(method: ClassicMethodName, setting: AlphaSetting, source: AlphaSource = 'adautomix'): number | null {
  const entry = CLASSIC_ALPHA_TABLE[method][setting];
  const other: AlphaSource = source === 'adautomix' ? 'openmixup' : 'adautomix';
  return entry[source] ?? entry[other];
}
