/**
 * The classic mixup family (ALGORITHMS.md §3), each checked against what can be computed
 * independently of the mixer: masks sum to 1 and the mixed image is exactly mask·x + (1−mask)·x[π];
 * the label λ equals the original's share; a box is a rectangle whose size follows √(1−λ) (and
 * ResizeMix's box holds the nearest-resized partner); SmoothMix's mask is a Gaussian of the stated
 * width; FMix's spectrum decays as 1/f^decay; ManifoldMix at λ = 1 is plain training and at layer 0
 * is Mixup; the per-iteration mode pick follows the probabilities; same seed, same result.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../lib/io/safetensors.js';
import { zooTrainer } from './zoo.js';
import { nativeMethodOptions } from '../lib/config/classic-mix.js';
import { resolveConfig } from '../lib/config/resolve.js';
import type { MethodConfig } from '../lib/config/types.js';
import { AdautomixError } from '../lib/errors.js';
import { type BatchShape, type ForcedDraws, loadNative, type NativeMixResult, type NativeTrainer } from '../lib/native.js';
import { testDevice } from './helpers.js';

const MEAN = 0.5;
const STD = 0.25;

async function trainer(method: MethodConfig, channels: number, seed = 0, size: [number, number] = [20, 28]): Promise<NativeTrainer> {
  const c = resolveConfig({ method });
  return new (loadNative().NativeTrainer)({
    device: testDevice, threads: 2, seed,
    model: { arch: 'resnet18_cifar', inChannels: channels, numClasses: 4, baseWidth: 4, imageSize: Math.min(...size) },
    augment: { cropPadding: 0, flip: false, mean: Array(channels).fill(MEAN), std: Array(channels).fill(STD) },
    method: await nativeMethodOptions(c.method),
    optimizer: { lr: 0.05, minLr: 0, momentum: 0.9, weightDecay: 0, nesterov: false, lrStepping: 'epoch' },
    epochs: 1, stepsPerEpoch: 10, nanPolicy: 'error',
  });
}

/** A batch with distinct, structured images (so that a wrong source or offset shows). */
function batch(n: number, h: number, w: number, c: number, seed = 1): { images: Uint8Array; labels: Int32Array; shape: BatchShape } {
  let s = seed;
  const images = new Uint8Array(n * h * w * c).map(() => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % 256));
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 4), shape: [n, h, w, c] };
}

const normalised = (v: number) => (v / 255 - MEAN) / STD;

async function mixWith(method: MethodConfig, channels: number, seed: number, forced?: ForcedDraws, size: [number, number] = [20, 28]) {
  const t = await trainer(method, channels, 0, size);
  await t.init();
  try {
    const b = batch(6, size[0], size[1], channels);
    return { b, r: await t.mix(b.images, b.shape, seed, forced) };
  } finally {
    await t.dispose();
  }
}

/** The partner's mask of image b as [h][w] (the classic mixers give source 1 = the partner). */
function partnerMask(r: NativeMixResult, b: number): number[][] {
  const [, sources, h, w] = r.maskShape;
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => r.masks[((b * sources + 1) * h + y) * w + x]!));
}

/** The bounding rows/columns of the mask's ones, and whether the ones fill exactly that rectangle. */
function rectangle(mask: number[][]): { y0: number; y1: number; x0: number; x1: number; filled: boolean; binary: boolean } {
  let y0 = Infinity, y1 = -1, x0 = Infinity, x1 = -1, ones = 0, binary = true;
  mask.forEach((row, y) => row.forEach((v, x) => {
    if (v !== 0 && v !== 1) binary = false;
    if (v === 1) {
      ones++;
      y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1); x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1);
    }
  }));
  if (ones === 0) return { y0: 0, y1: 0, x0: 0, x1: 0, filled: true, binary };
  return { y0, y1, x0, x1, filled: ones === (y1 - y0) * (x1 - x0), binary };
}

const IMAGE_METHODS = ['mixup', 'cutmix', 'fmix', 'resizemix', 'saliencymix', 'gridmix', 'smoothmix'] as const;

describe.each(IMAGE_METHODS)('%s', (name) => {
  it.each([1, 3])('masks, mixed images and label weights agree (%i channel(s), 20x28)', async (channels) => {
    const { b, r } = await mixWith({ name }, channels, 5);
    const [n, h, w, c] = b.shape;
    expect(r.sources).toBe(2);
    expect(r.maskShape).toEqual([n, 2, h, w]);
    expect(r.permutations[0]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...r.permutations[1]!].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const perm = r.permutations[1]!;
    let originalShare = 0;
    let partnerShare = 0;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < h * w; p++) {
        const own = r.masks[(i * 2) * h * w + p]!;
        const partner = r.masks[(i * 2 + 1) * h * w + p]!;
        expect(own).toBeGreaterThanOrEqual(0);
        expect(partner).toBeGreaterThanOrEqual(0);
        expect(own + partner).toBeCloseTo(1, 6);
        originalShare += own;
        partnerShare += partner;
        if (name === 'resizemix' && partner > 0) continue; // the partner is resized there (own test)
        for (let ch = 0; ch < c; ch++) {
          const expected = own * normalised(b.images[(i * h * w + p) * c + ch]!) + partner * normalised(b.images[(perm[i]! * h * w + p) * c + ch]!);
          worst = Math.max(worst, Math.abs(r.mixed[(i * c + ch) * h * w + p]! - expected));
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
    originalShare /= n * h * w;
    partnerShare /= n * h * w;
    expect(r.lambdas[0]! + r.lambdas[1]!).toBeCloseTo(1, 12);
    // The label weight of y is the original's share; SmoothMix's default keeps the original's quirk.
    expect(r.lambdas[0]).toBeCloseTo(name === 'smoothmix' ? partnerShare : originalShare, 6);
  });

  it('repeats with the same seed and differs with another', async () => {
    const a = await mixWith({ name }, 3, 11);
    const again = await mixWith({ name }, 3, 11);
    const other = await mixWith({ name }, 3, 12);
    expect(again.r.mixed).toEqual(a.r.mixed);
    expect(again.r.lambdas).toEqual(a.r.lambdas);
    expect(other.r.mixed).not.toEqual(a.r.mixed);
  });
});

describe('box methods', () => {
  it('cutmix: the partner fills one rectangle of sides ⌊H√(1−λ)⌋ × ⌊W√(1−λ)⌋ (halves rounded down), clipped', async () => {
    for (let seed = 0; seed < 12; seed++) {
      const { r } = await mixWith({ name: 'cutmix' }, 1, seed, { lambda: 0.64 });
      const box = rectangle(partnerMask(r, 0));
      expect(box.binary && box.filled).toBe(true);
      for (let i = 1; i < 6; i++) expect(partnerMask(r, i)).toEqual(partnerMask(r, 0)); // one box per batch
      // ⌊20·0.6⌋ = 12 and ⌊28·0.6⌋ = 16, both even: exactly that unless the box touches a border.
      const height = box.y1 - box.y0;
      const width = box.x1 - box.x0;
      if (box.y0 > 0 && box.y1 < 20) expect(height).toBe(12);
      else expect(height).toBeLessThanOrEqual(12);
      if (box.x0 > 0 && box.x1 < 28) expect(width).toBe(16);
      else expect(width).toBeLessThanOrEqual(16);
      expect(r.lambdas[0]).toBeCloseTo(1 - (height * width) / (20 * 28), 12);
    }
  });

  it('resizemix: the box holds the whole partner, nearest-resized to the box', async () => {
    for (let seed = 0; seed < 6; seed++) {
      const { b, r } = await mixWith({ name: 'resizemix' }, 3, seed, { lambda: 0.5 });
      const box = rectangle(partnerMask(r, 0));
      expect(box.binary && box.filled).toBe(true);
      const bh = box.y1 - box.y0;
      const bw = box.x1 - box.x0;
      expect(bh).toBeLessThanOrEqual(10); // ⌊0.5·20⌋
      expect(bw).toBeLessThanOrEqual(14); // ⌊0.5·28⌋
      const [, h, w, c] = b.shape;
      const partner = r.permutations[1]![2]!;
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          const sy = Math.floor((y * h) / bh);
          const sx = Math.floor((x * w) / bw);
          for (let ch = 0; ch < c; ch++) {
            const got = r.mixed[(2 * c + ch) * h * w + (box.y0 + y) * w + box.x0 + x]!;
            expect(got).toBeCloseTo(normalised(b.images[((partner * h + sy) * w + sx) * c + ch]!), 5);
          }
        }
      }
    }
  });

  it('saliencymix: the box is centred on the salient spot of the first partner', async () => {
    const t = await trainer({ name: 'saliencymix' }, 1, 0, [32, 32]);
    await t.init();
    try {
      // Flat images, each with one small bright square at its own place.
      const n = 4, s = 32;
      const spots = [[6, 8], [20, 24], [12, 26], [25, 5]] as const;
      const images = new Uint8Array(n * s * s).fill(60);
      spots.forEach(([cy, cx], i) => {
        for (let y = cy - 1; y <= cy + 1; y++) for (let x = cx - 1; x <= cx + 1; x++) images[(i * s + y) * s + x] = 250;
      });
      for (let seed = 0; seed < 4; seed++) {
        const r = await t.mix(images, [n, s, s, 1], seed, { lambda: 0.75 });
        const box = rectangle(partnerMask(r, 0));
        const [cy, cx] = spots[r.permutations[1]![0]!]!;
        // Sides ⌊32·0.5⌋ = 16 around the peak; clipping may cut a side near the border.
        if (box.y0 > 0 && box.y1 < s) expect(Math.abs((box.y0 + box.y1) / 2 - cy)).toBeLessThanOrEqual(1.5);
        if (box.x0 > 0 && box.x1 < s) expect(Math.abs((box.x0 + box.x1) / 2 - cx)).toBeLessThanOrEqual(1.5);
        expect(box.y0 <= cy && cy < box.y1 && box.x0 <= cx && cx < box.x1).toBe(true);
      }
    } finally {
      await t.dispose();
    }
  });
});

describe('puzzlemix', () => {
  it('labels a grid exactly: the energy of a brute-force search over every labelling', () => {
    const { solveGridLabels } = loadNative();
    let s = 17;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const [rows, cols] of [[3, 3], [2, 4], [1, 5]] as const) {
      for (let trial = 0; trial < 4; trial++) {
        const cells = rows * cols;
        const unary = Float64Array.from({ length: cells * 3 }, () => rand());
        const down = Float64Array.from({ length: (rows - 1) * cols }, () => rand() * 1.5 - 0.2); // some < 0: taken as 0
        const right = Float64Array.from({ length: rows * (cols - 1) }, () => rand() * 1.5 - 0.2);
        const energy = (labels: ArrayLike<number>) => {
          let e = 0;
          for (let p = 0; p < cells; p++) e += unary[p * 3 + labels[p]!]!;
          for (let r = 0; r + 1 < rows; r++) for (let c = 0; c < cols; c++) {
            e += (Math.max(0, down[r * cols + c]!) * (labels[r * cols + c]! - labels[(r + 1) * cols + c]!) ** 2) / 4;
          }
          for (let r = 0; r < rows; r++) for (let c = 0; c + 1 < cols; c++) {
            e += (Math.max(0, right[r * (cols - 1) + c]!) * (labels[r * cols + c]! - labels[r * cols + c + 1]!) ** 2) / 4;
          }
          return e;
        };
        let best = Infinity;
        const labels = new Array<number>(cells).fill(0);
        for (let code = 0; code < 3 ** cells; code++) {
          for (let p = 0, v = code; p < cells; p++, v = Math.floor(v / 3)) labels[p] = v % 3;
          best = Math.min(best, energy(labels));
        }
        const got = solveGridLabels(rows, cols, unary, down, right);
        expect(energy(got.labels)).toBeCloseTo(best, 9);
        expect(got.energy).toBeCloseTo(best, 9);
      }
    }
    expect(() => solveGridLabels(2, 2, new Float64Array(3), new Float64Array(2), new Float64Array(2))).toThrow(AdautomixError);
  });

  it('masks take 1, ½ or 0 per block of a 2^k grid; label weights are the mean shares', async () => {
    for (let seed = 0; seed < 4; seed++) {
      const { b, r } = await mixWith({ name: 'puzzlemix', puzzle: { transport: false } }, 3, seed, undefined, [32, 32]);
      const [n, h, w, c] = b.shape;
      const grids = [2, 4, 8, 16].filter((g) => {
        for (let i = 0; i < n; i++) {
          const m = partnerMask(r, i);
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
            if (m[y]![x] !== m[y - (y % (h / g))]![x - (x % (w / g))]) return false;
          }
        }
        return true;
      });
      expect(grids.length).toBeGreaterThan(0);
      let share = 0;
      for (let i = 0; i < n; i++) {
        for (const row of partnerMask(r, i)) for (const v of row) {
          expect([0, 0.5, 1]).toContain(v);
          share += 1 - v;
        }
      }
      expect(r.lambdas[0]).toBeCloseTo(share / (n * h * w), 6);
      // Without transport the mix is exactly mask·x + (1 − mask)·x[π].
      const perm = r.permutations[1]!;
      for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) {
        const own = r.masks[(i * 2) * h * w + p]!;
        const expected = own * normalised(b.images[(i * h * w + p) * c + ch]!) + (1 - own) * normalised(b.images[(perm[i]! * h * w + p) * c + ch]!);
        expect(Math.abs(r.mixed[(i * c + ch) * h * w + p]! - expected)).toBeLessThan(1e-5);
      }
    }
  });

  it("with transport, every fully shown 4x4 block is one of the image's own blocks", async () => {
    for (let seed = 0; seed < 3; seed++) {
      // blockNum 4: grids of 2, 4 or 8, whose blocks (16, 8, 4 pixels) all move as 4x4 transport blocks.
      const { b, r } = await mixWith({ name: 'puzzlemix', puzzle: { blockNum: 4 } }, 1, seed, undefined, [32, 32]);
      const [n, h, w] = b.shape;
      const block = (img: (y: number, x: number) => number, by: number, bx: number) =>
        Array.from({ length: 16 }, (_, k) => img(by * 4 + (k >> 2), bx * 4 + (k & 3)).toFixed(4)).join(',');
      for (let i = 0; i < n; i++) {
        const own = new Set<string>();
        for (let by = 0; by < 8; by++) for (let bx = 0; bx < 8; bx++) own.add(block((y, x) => normalised(b.images[(i * h + y) * w + x]!), by, bx));
        const m = partnerMask(r, i);
        for (let by = 0; by < 8; by++) for (let bx = 0; bx < 8; bx++) {
          if (m[by * 4]![bx * 4] !== 0) continue; // the original shown in full there
          expect(own.has(block((y, x) => r.mixed[(i * h + y) * w + x]!, by, bx))).toBe(true);
        }
      }
    }
  });

  it('needs even image sides', async () => {
    const t = await trainer({ name: 'puzzlemix' }, 1, 0, [21, 21]);
    await t.init();
    try {
      const b = batch(4, 21, 21, 1);
      await expect(t.trainStep(b.images, b.labels, b.shape)).rejects.toMatchObject({ code: 'E_SHAPE' });
    } finally {
      await t.dispose();
    }
  });
});

describe('attentivemix', () => {
  const path = `${process.env.TMPDIR ?? '/tmp'}/adx-attentive-${process.pid}.safetensors`;
  let attentionNet: NativeTrainer;

  beforeAll(async () => {
    // A torchvision-named resnet18 (random weights stand in for ImageNet ones).
    attentionNet = zooTrainer({ arch: 'resnet18', inChannels: 3, numClasses: 1000 }, 21);
    await attentionNet.init();
    const state = await attentionNet.state();
    await writeSafetensors(path, Object.fromEntries(Object.entries(state).map(([k, v]) => [k.replace(/^(backbone|head)\./, ''), v])));
  });
  afterAll(async () => {
    await attentionNet.dispose();
    await rm(path, { force: true });
  });

  /** PyTorch's bilinear resize (align_corners=False) of [c][h][w] to s×s, in float64. */
  function resize(img: Float64Array[], h: number, w: number, s: number): Float64Array[] {
    const axis = (out: number, size: number) => {
      const src = Math.max(0, ((out + 0.5) * size) / s - 0.5);
      const i0 = Math.floor(src);
      return { i0, i1: Math.min(i0 + 1, size - 1), f: src - i0 };
    };
    return img.map((plane) => {
      const out = new Float64Array(s * s);
      for (let y = 0; y < s; y++) {
        const ay = axis(y, h);
        for (let x = 0; x < s; x++) {
          const ax = axis(x, w);
          const at = (yy: number, xx: number) => plane[yy * w + xx]!;
          out[y * s + x] = (1 - ay.f) * ((1 - ax.f) * at(ay.i0, ax.i0) + ax.f * at(ay.i0, ax.i1)) + ay.f * ((1 - ax.f) * at(ay.i1, ax.i0) + ax.f * at(ay.i1, ax.i1));
        }
      }
      return out;
    });
  }

  it('keeps the k = ⌊49λ⌋ cells of the original that the frozen network attends to most', async () => {
    const attentive = { pretrained: path };
    const { b, r } = await mixWith({ name: 'attentivemix', attentive }, 1, 3, { lambda: 0.5 }, [28, 28]);
    const [n, h, w] = b.shape;
    const k = Math.floor(49 * 0.5);
    expect(r.lambdas[0]).toBeCloseTo(k / 49, 6); // 28 = 4·7: every cell is 4×4 pixels
    for (let i = 0; i < n; i++) {
      // The same image through the same network, computed outside the mixer.
      const grey = Float64Array.from({ length: h * w }, (_, p) => normalised(b.images[i * h * w + p]!));
      const rgb = resize([grey, grey, grey], h, w, 224);
      const values = new Float32Array(3 * 224 * 224);
      rgb.forEach((plane, ch) => values.set(plane, ch * 224 * 224));
      const last = Object.values((await attentionNet.forward({ shape: [1, 3, 224, 224], values }, true)).stages).pop()!;
      const attention = Array.from({ length: 49 }, (_, cell) => {
        let sum = 0;
        for (let ch = 0; ch < 512; ch++) sum += last.values[ch * 49 + cell]!;
        return sum / 512;
      });
      const order = attention.map((a, cell) => [a, cell] as const).sort((p, q) => q[0] - p[0]);
      const threshold = order[k - 1]![0];
      const m = partnerMask(r, i);
      for (const [a, cell] of order) {
        const kept = m[Math.floor(cell / 7) * 4]![(cell % 7) * 4] === 0;
        // Cells within float rounding of the k-th value may go either way.
        if (Math.abs(a - threshold) > 1e-4 * Math.abs(threshold)) expect(kept).toBe(a > threshold);
      }
    }
  });

  it('needs its pretrained network, named in the error', () => {
    expect(() => resolveConfig({ method: 'attentivemix' })).toThrow('method.attentive.pretrained is required for attentivemix');
  });

  it('trains, with Beta(α, 8) as an option', async () => {
    for (const beta of [undefined, 8]) {
      const t = await trainer({ name: 'attentivemix', attentive: { pretrained: path, beta } }, 3);
      await t.init();
      try {
        const x = batch(4, 20, 28, 3);
        const r = await t.trainStep(x.images, x.labels, x.shape);
        expect(Number.isFinite(r.loss)).toBe(true);
        expect(r.mode).toBe('attentivemix');
      } finally {
        await t.dispose();
      }
    }
  });
});

describe('snapmix', () => {
  it('pastes a rectangle and weighs labels by CAMs: finite, in [0, 2], the area when there is no box', async () => {
    for (let seed = 0; seed < 4; seed++) {
      const { b, r } = await mixWith({ name: 'snapmix' }, 3, seed);
      const box = rectangle(partnerMask(r, 0));
      expect(box.binary && box.filled).toBe(true);
      for (const l of r.lambdas) {
        expect(Number.isFinite(l)).toBe(true);
        expect(l).toBeGreaterThanOrEqual(0);
        expect(l).toBeLessThanOrEqual(2);
      }
      // Outside the box every image is its own.
      const [n, h, w, c] = b.shape;
      for (let i = 0; i < n; i++) {
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          if (y >= box.y0 && y < box.y1 && x >= box.x0 && x < box.x1) continue;
          expect(r.mixed[(i * c) * h * w + y * w + x]).toBeCloseTo(normalised(b.images[((i * h + y) * w + x) * c]!), 5);
        }
      }
    }
    // λ = 1 gives an empty target box: nothing is mixed and y keeps its whole weight.
    const { r } = await mixWith({ name: 'snapmix' }, 1, 0, { lambda: 1 });
    expect(r.lambdas).toEqual([1, 0]);
    expect(rectangle(partnerMask(r, 0)).y1).toBe(0);
  });
});

describe('mask methods', () => {
  it('fmix: binary, and the original keeps a whole number of pixels', async () => {
    for (let seed = 0; seed < 5; seed++) {
      const { r } = await mixWith({ name: 'fmix' }, 1, seed);
      expect(rectangle(partnerMask(r, 0)).binary).toBe(true);
      const kept = r.lambdas[0]! * 20 * 28;
      expect(Math.abs(kept - Math.round(kept))).toBeLessThan(1e-6);
    }
  });

  it("fmix: the grey image's spectrum falls as 1/f^decay", () => {
    const { fmixGrey } = loadNative();
    const h = 32, w = 32;
    // Bin pairs one frequency octave pair apart (×4), in interior rfft columns (no Hermitian folding).
    const pairs: Array<[[number, number], [number, number]]> = [
      [[0, 1], [0, 4]], [[1, 1], [4, 4]], [[31, 1], [28, 4]], [[0, 2], [0, 8]], [[1, 2], [4, 8]], [[2, 1], [8, 4]],
    ];
    const power = (g: Float32Array, ky: number, kx: number) => {
      let re = 0, im = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const a = -2 * Math.PI * ((ky * y) / h + (kx * x) / w);
        re += g[y * w + x]! * Math.cos(a);
        im += g[y * w + x]! * Math.sin(a);
      }
      return re * re + im * im;
    };
    for (const decay of [3, 2]) {
      const logRatios: number[] = [];
      for (let seed = 0; seed < 120; seed++) {
        const g = fmixGrey(h, w, decay, seed);
        for (const [[ay, ax], [by, bx]] of pairs) logRatios.push(Math.log(power(g, ay, ax) / power(g, by, bx)));
      }
      logRatios.sort((a, b) => a - b);
      const median = logRatios[logRatios.length >> 1]!;
      // Amplitude ∝ f^−decay, so the power ratio over a ×4 frequency step is 4^(2·decay); the
      // random Gaussian coefficients add a log-ratio noise whose median is 0.
      expect(median).toBeCloseTo(2 * decay * Math.log(4), 0);
    }
    expect(() => fmixGrey(0, 4, 3, 0)).toThrow(AdautomixError);
  });

  it('smoothmix: the mask is a Gaussian with σ in [H/4, H/2]; the share option swaps the label weight', async () => {
    for (let seed = 0; seed < 5; seed++) {
      const { r } = await mixWith({ name: 'smoothmix' }, 1, seed);
      const m = partnerMask(r, 0);
      // log G is −((y−cy)² + (x−cx)²)/(2σ²): its second difference along x or y is −1/σ² everywhere.
      const second = (y: number, x: number, dy: number, dx: number) =>
        Math.log(m[y + dy]![x + dx]!) - 2 * Math.log(m[y]![x]!) + Math.log(m[y - dy]![x - dx]!);
      const d = second(10, 14, 0, 1);
      expect(second(3, 5, 0, 1)).toBeCloseTo(d, 3);
      expect(second(15, 20, 1, 0)).toBeCloseTo(d, 3);
      const sigma = Math.sqrt(-1 / d);
      expect(sigma).toBeGreaterThanOrEqual(20 / 4 - 1e-3);
      expect(sigma).toBeLessThanOrEqual(20 / 2 + 1e-3);
      const fixed = await mixWith({ name: 'smoothmix', smoothmixLabel: 'share' }, 1, seed);
      expect(fixed.r.lambdas[0]).toBeCloseTo(r.lambdas[1]!, 12);
    }
  });

  it('gridmix: binary, a grid of equal square holes', async () => {
    for (let seed = 0; seed < 5; seed++) {
      const { r } = await mixWith({ name: 'gridmix' }, 1, seed);
      const m = partnerMask(r, 0);
      expect(rectangle(m).binary).toBe(true);
      // Every row of the mask crosses the holes in runs of one common length.
      const runs = new Set<number>();
      for (const row of m) {
        let run = 0;
        for (const v of [...row, 0]) {
          if (v === 1) run++;
          else if (run > 0) { runs.add(run); run = 0; }
        }
      }
      expect(runs.size).toBeLessThanOrEqual(1);
    }
  });
});

describe('training steps', () => {
  async function losses(method: MethodConfig, forced: ForcedDraws[] = [{}, {}, {}], seed = 3): Promise<number[]> {
    const t = await trainer(method, 3, seed);
    await t.init();
    try {
      const b = batch(8, 20, 28, 3);
      const out: number[] = [];
      for (const f of forced) out.push((await t.trainStep(b.images, b.labels, b.shape, f)).loss);
      return out;
    } finally {
      await t.dispose();
    }
  }

  it.each<MethodConfig>([
    ...IMAGE_METHODS.map((name) => ({ name })), { name: 'manifoldmix' }, { name: 'snapmix' }, { name: 'snapmix', snapmixLabel: 'per-sample' },
    { name: 'puzzlemix' }, { name: 'puzzlemix', puzzle: { transportSize: -1 } },
  ])('%j trains on 3-channel 20x28 images, repeatably', async (method) => {
    const a = await losses(method);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(await losses(method)).toEqual(a);
  });

  it('manifoldmix at λ = 1 is plain training, at layer 0 is mixup, and deeper layers mix hidden features', async () => {
    const plain = await losses({ name: 'vanilla' }, [{}]);
    for (const layers of [[0, 0], [1, 1], [2, 2]] as Array<[number, number]>) {
      expect(await losses({ name: 'manifoldmix', manifoldLayers: layers }, [{ lambda: 1 }])).toEqual(plain);
    }
    const perm = [1, 0, 3, 2, 5, 4, 7, 6];
    const forced = [{ lambda: 0.3, permutation: perm }];
    const mixup = await losses({ name: 'mixup' }, forced);
    expect(await losses({ name: 'manifoldmix', manifoldLayers: [0, 0] }, forced)).toEqual(mixup);
    const layer1 = await losses({ name: 'manifoldmix', manifoldLayers: [1, 1] }, forced);
    const layer2 = await losses({ name: 'manifoldmix', manifoldLayers: [2, 2] }, forced);
    expect(layer1[0]).not.toBeCloseTo(mixup[0]!, 4);
    expect(layer2[0]).not.toBeCloseTo(layer1[0]!, 4);
  });

  it("'classic' picks its modes by their probabilities", async () => {
    const kinds = async (modes: MethodConfig['modes']) => {
      const t = await trainer({ name: 'classic', modes }, 1);
      await t.init();
      try {
        const b = batch(4, 20, 28, 1);
        const seen: string[] = [];
        for (let seed = 0; seed < 40; seed++) {
          const r = await t.mix(b.images, b.shape, seed);
          seen.push(rectangle(partnerMask(r, 0)).binary ? 'cutmix' : 'mixup');
        }
        return seen;
      } finally {
        await t.dispose();
      }
    };
    const even = await kinds([{ name: 'mixup', alpha: 1 }, { name: 'cutmix', alpha: 1 }]);
    const cut = even.filter((k) => k === 'cutmix').length;
    expect(cut).toBeGreaterThan(8); // Binomial(40, ½): 8 is 4 standard deviations out
    expect(cut).toBeLessThan(32);
    expect(new Set(await kinds([{ name: 'mixup', probability: 1 }, { name: 'cutmix', probability: 0 }]))).toEqual(new Set(['mixup']));
  });
});

describe('errors', () => {
  it.each<[MethodConfig, string]>([
    [{ name: 'classic' }, "method 'classic' needs method.modes"],
    [{ name: 'cutmix', modes: [{ name: 'mixup' }] }, "method.modes needs method.name 'classic'"],
    [{ name: 'cutmix', fmixDecay: 2 }, 'method.fmixDecay is an option of fmix, not of cutmix'],
    [{ name: 'classic', modes: [{ name: 'mixupp' as 'mixup' }] }, "method.modes[0].name must be one of 'mixup'"],
    [{ name: 'classic', modes: [{ name: 'mixup', probability: 0 }] }, 'at least one probability must be above 0'],
    [{ name: 'classic', alpha: 1, modes: [{ name: 'mixup' }] }, "method.alpha of 'classic' goes into each entry"],
    [{ name: 'manifoldmix', manifoldLayers: [2, 1] }, 'first <= last'],
    [{ name: 'resizemix', resizeScale: [0.5, 1.5] }, 'method.resizeScale[1] must be'],
  ])('%j', (method, message) => {
    expect(() => resolveConfig({ method })).toThrow(message);
  });

  it('manifoldmix layers beyond the backbone and previews of it are E_CONFIG', async () => {
    const deep = await trainer({ name: 'manifoldmix', manifoldLayers: [0, 4] }, 1);
    await deep.init();
    try {
      const b = batch(4, 20, 28, 1);
      await expect(deep.trainStep(b.images, b.labels, b.shape)).rejects.toMatchObject({ code: 'E_CONFIG' });
      await expect(deep.mix(b.images, b.shape, 0)).rejects.toMatchObject({ code: 'E_CONFIG' });
    } finally {
      await deep.dispose();
    }
  });
});
