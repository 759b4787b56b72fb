/**
 * A trained network as a torchvision state dict: one backbone and one head of a run's weights,
 * under the names torchvision gives them (docs/models.md), so that PyTorch code loads it with
 * `model.load_state_dict(safetensors.torch.load_file(path))` into torchvision's model of the same
 * architecture (CIFAR variants: with the CIFAR stem swapped in), or into WRN-28-8 as OpenMixup
 * names it. `model.pretrained` reads a run's own weights through it too (pretrainedState).
 */
import type { ModelArch } from '../config/types.js';
import { describe, isPlainObject } from '../config/validate.js';
import { AdautomixError, configError } from '../errors.js';
import { checkedHead, reportedHead } from '../eval/reported.js';
import type { ModelFamily } from '../models/zoo.js';
import { modelInfo } from '../models/zoo.js';
import type { TensorRecord } from '../native.js';

/** Where torchvision keeps each family's classifier (WRN: OpenMixup's name; PreAct ResNet: Manifold Mixup's). */
const CLASSIFIER_KEY: Record<ModelFamily, string> = { resnet: 'fc', resnext: 'fc', preactresnet: 'linear', wrn: 'fc', swin: 'head', convnext: 'classifier.2' };

/** The module paths of `head` in a run's weights: its backbone and its linear layer. */
function headPrefixes(head: string, learned: boolean): { backbone: string; classifier: string } {
  checkedHead(head, learned);
  // AutoMix/AdAutoMix: the *_k heads sit on the EMA network, the *_q heads on the online one.
  if (learned) return { backbone: `backbone_${head.slice(-1)}.`, classifier: `head_${head}.fc.` };
  return { backbone: 'backbone.', classifier: 'head.fc.' };
}

/**
 * The state dict of `head`'s network (its backbone, and the head as the classifier) in
 * torchvision's names. `state`: every parameter and buffer of a trainer (`trainer.weights()`, a
 * run's weights.safetensors).
 */
export function torchvisionState(state: TensorRecord, arch: ModelArch, head: string, learned: boolean): TensorRecord {
  if (!isPlainObject(state)) throw configError(`state must be a record of tensors by name (trainer.weights()), got ${describe(state)}`);
  const info = modelInfo(arch);
  if (!info) throw configError(`unknown model architecture ${describe(arch)}`);
  const { backbone, classifier } = headPrefixes(head, learned);
  const out: TensorRecord = {};
  for (const [name, tensor] of Object.entries(state)) {
    if (name.startsWith(backbone)) out[name.slice(backbone.length)] = tensor;
    else if (name.startsWith(classifier)) out[`${CLASSIFIER_KEY[info.family]}.${name.slice(classifier.length)}`] = tensor;
  }
  const key = CLASSIFIER_KEY[info.family];
  if (!(`${key}.weight` in out) || Object.keys(out).length < 3) {
    throw new AdautomixError(`the weights hold no ${backbone}* and ${classifier}* tensors of a ${arch} network (are they a run's weights of this method?)`, 'E_DATA');
  }
  return out;
}

/**
 * What `model.pretrained` loads from a file: a run's own weights (backbone.* and head.fc.*, or
 * for AutoMix/AdAutoMix backbone_k.* and head_one_k.fc.*) as the state dict of the network the
 * run reports; any other file is taken to be in torchvision's names already, and comes back as it is.
 */
export function pretrainedState(tensors: TensorRecord, arch: ModelArch): TensorRecord {
  const names = Object.keys(tensors);
  const twin = names.some((name) => name.startsWith('backbone_k.'));
  if (!twin && !names.some((name) => name.startsWith('backbone.'))) return tensors;
  return torchvisionState(tensors, arch, reportedHead(twin), twin);
}
