/**
 * White-box attacks on normalised input batches (ALGORITHMS.md §5.4): FGSM at ε = 8/255, in pixel
 * space by default (de-normalise, step, clamp to [0, 1], re-normalise: OpenMixup's fixed version)
 * or as the original AdAutoMix code does it ('openmixup-legacy': the step and a [0, 1] clamp in
 * normalised space); PGD (pixel space, random start, `steps` steps of `stepSize`, projected back
 * into the ε-ball and [0, 1] after each).
 */
import type { FloatTensor } from '../native.js';

/** What the attacks need of a trainer (Trainer has it). */
export interface GradientSource {
  inputGradient(input: FloatTensor, labels: Int32Array, head: string): Promise<{ gradient: Float32Array; loss: number }>;
}

export type FgsmMode = 'pixel' | 'openmixup-legacy';

export interface AttackContext {
  native: GradientSource;
  /** Normalisation per channel (the run's), to move between pixel and normalised space. */
  mean: number[];
  std: number[];
  head: string;
}

/** Calls f(index, channel) for every value of an [n, c, h, w] tensor. */
function perChannel(shape: number[], f: (i: number, channel: number) => void): void {
  const [n, c, h, w] = shape as [number, number, number, number];
  const plane = h * w;
  for (let i = 0; i < n * c * plane; i++) f(i, Math.floor(i / plane) % c);
}

const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** One FGSM step from `input` against `labels`. */
export async function fgsm(ctx: AttackContext, input: FloatTensor, labels: Int32Array, epsilon: number, mode: FgsmMode): Promise<FloatTensor> {
  const { gradient } = await ctx.native.inputGradient(input, labels, ctx.head);
  const out = new Float32Array(input.values.length);
  perChannel(input.shape, (i, ch) => {
    const x = input.values[i]!;
    if (mode === 'openmixup-legacy') {
      out[i] = Math.min(1, Math.max(0, x + epsilon * sign(gradient[i]!)));
    } else {
      const pixel = Math.min(1, Math.max(0, x * ctx.std[ch]! + ctx.mean[ch]! + epsilon * sign(gradient[i]!)));
      out[i] = (pixel - ctx.mean[ch]!) / ctx.std[ch]!;
    }
  });
  return { shape: input.shape, values: out };
}

/** PGD in pixel space with a uniform random start in the ε-ball, drawn from `seed`. */
export async function pgd(ctx: AttackContext, input: FloatTensor, labels: Int32Array, epsilon: number, stepSize: number, steps: number, seed: number): Promise<FloatTensor> {
  const clean = new Float32Array(input.values.length);
  perChannel(input.shape, (i, ch) => (clean[i] = input.values[i]! * ctx.std[ch]! + ctx.mean[ch]!));
  let s = seed >>> 0 || 1;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const pixels = Float32Array.from(clean, (v) => Math.min(1, Math.max(0, v + epsilon * uniform())));
  const normalised = () => {
    const out = new Float32Array(pixels.length);
    perChannel(input.shape, (i, ch) => (out[i] = (pixels[i]! - ctx.mean[ch]!) / ctx.std[ch]!));
    return { shape: input.shape, values: out };
  };
  for (let step = 0; step < steps; step++) {
    const { gradient } = await ctx.native.inputGradient(normalised(), labels, ctx.head);
    for (let i = 0; i < pixels.length; i++) {
      const moved = pixels[i]! + stepSize * sign(gradient[i]!);
      pixels[i] = Math.min(1, Math.max(0, Math.min(clean[i]! + epsilon, Math.max(clean[i]! - epsilon, moved))));
    }
  }
  return normalised();
}
