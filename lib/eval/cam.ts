/**
 * Class activation maps (CAM): the classifier's weights for a class applied at every position of
 * the last stage, Σ_k W[c, k]·F[k, y, x]. For the ResNet family (global average pooling, then the
 * linear head) the map's mean plus the bias is the class logit, which the tests check; for Swin
 * and ConvNeXt, whose last norm comes after the pooling, the map is the usual approximation. The
 * online network is used (its one-hot head for AutoMix/AdAutoMix).
 */
import { encodePng } from '../report/png.js';
import type { BatchShape } from '../native.js';
import type { Trainer } from '../train/trainer.js';

export interface CamResult {
  /** [n, h', w'] raw maps at the last stage's resolution. */
  raw: Float32Array;
  rows: number;
  cols: number;
  /** The class each map is for (the prediction unless classes were given). */
  classes: number[];
  /** The head's logits [n, classes]. */
  logits: Float32Array;
  bias: Float32Array;
}

/** CAMs of a uint8 NHWC batch for `classes` (default: the head's predictions). */
export async function classActivationMaps(trainer: Trainer, images: Uint8Array, shape: BatchShape, classes?: number[]): Promise<CamResult> {
  const learned = trainer.config.method.learned !== null;
  const head = learned ? 'one_q' : 'head';
  const prefix = learned ? 'head_one_q' : 'head';
  const input = trainer.testView(images, shape);
  const { heads, stages } = await trainer.forward(input, { stages: true });
  const last = stages[`stage${Object.keys(stages).length}`]!;
  const [n, channels, rows, cols] = last.shape as [number, number, number, number];
  const state = await trainer.weights();
  const weight = state[`${prefix}.fc.weight`]!.values;
  const bias = state[`${prefix}.fc.bias`]!.values;
  const logits = heads[head]!.values;
  const numClasses = bias.length;
  const chosen = classes ?? Array.from({ length: n }, (_, i) => {
    const row = logits.subarray(i * numClasses, (i + 1) * numClasses);
    return row.indexOf(Math.max(...row));
  });
  const raw = new Float32Array(n * rows * cols);
  const plane = rows * cols;
  for (let i = 0; i < n; i++) {
    const c = chosen[i]!;
    for (let k = 0; k < channels; k++) {
      const wk = weight[c * channels + k]!;
      const f = last.values.subarray((i * channels + k) * plane, (i * channels + k + 1) * plane);
      for (let p = 0; p < plane; p++) raw[i * plane + p] = raw[i * plane + p]! + wk * f[p]!;
    }
  }
  return { raw, rows, cols, classes: chosen, logits, bias };
}

/** A blue-to-red ramp for values in [0, 1]. */
function heat(v: number): [number, number, number] {
  const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 3)));
  const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 2)));
  const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 1)));
  return [r * 255, g * 255, b * 255];
}

/**
 * A PNG grid: the images in the top row, their CAMs (ReLU, scaled to [0, 1] per image, bilinearly
 * upsampled) blended half and half over them in the bottom row.
 */
export function camGridPng(images: Uint8Array, shape: BatchShape, cam: CamResult): Buffer {
  const [n, h, w, c] = shape;
  const gap = 2;
  const width = n * w + (n + 1) * gap, height = 2 * h + 3 * gap;
  const out = new Uint8Array(width * height * 3).fill(255);
  const plane = cam.rows * cam.cols;
  for (let i = 0; i < n; i++) {
    const map = cam.raw.subarray(i * plane, (i + 1) * plane).map((v) => Math.max(0, v));
    const top = Math.max(...map) || 1;
    const sample = (y: number, x: number) => {
      const fy = Math.min(cam.rows - 1, Math.max(0, ((y + 0.5) * cam.rows) / h - 0.5));
      const fx = Math.min(cam.cols - 1, Math.max(0, ((x + 0.5) * cam.cols) / w - 0.5));
      const y0 = Math.floor(fy), x0 = Math.floor(fx), y1 = Math.min(cam.rows - 1, y0 + 1), x1 = Math.min(cam.cols - 1, x0 + 1);
      const ty = fy - y0, tx = fx - x0;
      const at = (yy: number, xx: number) => map[yy * cam.cols + xx]!;
      return ((1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x1)) + ty * ((1 - tx) * at(y1, x0) + tx * at(y1, x1))) / top;
    };
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((i * h + y) * w + x) * c;
        const rgb = c === 3 ? [images[src]!, images[src + 1]!, images[src + 2]!] : [images[src]!, images[src]!, images[src]!];
        const colour = heat(sample(y, x));
        const ox = gap + i * (w + gap) + x;
        for (let ch = 0; ch < 3; ch++) {
          out[((gap + y) * width + ox) * 3 + ch] = rgb[ch]!;
          out[((2 * gap + h + y) * width + ox) * 3 + ch] = Math.round(0.5 * rgb[ch]! + 0.5 * colour[ch]!);
        }
      }
    }
  }
  return encodePng(width, height, 3, out);
}
