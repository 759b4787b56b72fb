/** Helpers for the model zoo tests: a bare vanilla trainer around one architecture (no weight
 * decay, so a parameter moves in a step only if its gradient reached it). */
import { loadNative, type NativeModelOptions, type NativeTrainer } from '../lib/native.js';
import { PARITY_SPEED, testDevice } from './helpers.js';

export function zooTrainer(model: NativeModelOptions, seed = 0): NativeTrainer {
  const { NativeTrainer } = loadNative();
  return new NativeTrainer({
    device: testDevice,
    threads: 2,
    seed,
    model,
    augment: { cropPadding: 0, flip: false, mean: Array(model.inChannels).fill(0.5), std: Array(model.inChannels).fill(0.25) },
    method: { name: 'vanilla', alpha: 1, learned: null },
    optimizer: { lr: 0.05, minLr: 0, momentum: 0.9, weightDecay: 0, nesterov: false, lrStepping: 'epoch' },
    epochs: 1,
    stepsPerEpoch: 10,
    nanPolicy: 'error',
    // IEEE fp32 convolutions on CUDA too: the parity tests compare with a CPU reference.
    speed: PARITY_SPEED,
  });
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

export function maxAbs(a: Float32Array): number {
  let worst = 0;
  for (const v of a) worst = Math.max(worst, Math.abs(v));
  return worst;
}
