/**
 * Built-in image corruptions for robustness tests, the ten of the CIFAR-10/100-C set that need no
 * external assets, with that benchmark's five severities (Hendrycks & Dietterich's parameters for
 * 32² images): Gaussian, shot and impulse noise, defocus and Gaussian blur, brightness, contrast,
 * saturation, pixelation and JPEG. They work on any image size and are deterministic for a seed.
 * Shot noise draws its Poisson counts exactly for small means and from the normal approximation
 * above 60 (a difference far below one grey level).
 */
import sharp from 'sharp';

export const CORRUPTIONS = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'gaussian_blur',
  'brightness', 'contrast', 'saturate', 'pixelate', 'jpeg_compression',
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];

/** An image as float values in [0, 1], HWC. */
interface Img {
  data: Float64Array;
  h: number;
  w: number;
  c: number;
}

/** A seeded generator of uniforms in [0, 1) (xorshift32), normals and Poisson counts. */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s = (seed >>> 0) ^ 0x9e3779b9 || 1;
  }
  uniform(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 2 ** 32;
  }
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u = 1 - this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(t);
    return r * Math.cos(t);
  }
  poisson(mean: number): number {
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }
}

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

function map(img: Img, f: (v: number, i: number) => number): Img {
  return { ...img, data: img.data.map(f) };
}

/** Same-size 2-D filtering of every channel, borders reflected without repeating the edge (cv2's default). */
function filter(img: Img, kernel: Float64Array, size: number): Img {
  const { h, w, c } = img;
  const r = (size - 1) / 2;
  const reflect = (i: number, n: number) => {
    if (n === 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
  };
  const out = new Float64Array(img.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let ky = 0; ky < size; ky++)
          for (let kx = 0; kx < size; kx++) s += kernel[ky * size + kx]! * img.data[(reflect(y + ky - r, h) * w + reflect(x + kx - r, w)) * c + ch]!;
        out[(y * w + x) * c + ch] = s;
      }
  return { ...img, data: out };
}

function gaussianKernel(sigma: number, radius: number): Float64Array {
  const size = 2 * radius + 1;
  const k1 = Array.from({ length: size }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = k1.reduce((a, b) => a + b, 0);
  const k = new Float64Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) k[y * size + x] = (k1[y]! * k1[x]!) / (sum * sum);
  return k;
}

/** A disk of `radius` on a 17×17 grid, normalised, softened by a 3×3 Gaussian of `alias` (the benchmark's defocus kernel). */
function diskKernel(radius: number, alias: number): Float64Array {
  const size = 17;
  const disk: Img = { data: new Float64Array(size * size), h: size, w: size, c: 1 };
  let sum = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const inside = (x - 8) ** 2 + (y - 8) ** 2 <= radius * radius ? 1 : 0;
      disk.data[y * size + x] = inside;
      sum += inside;
    }
  const normalised = map(disk, (v) => v / sum);
  return filter(normalised, gaussianKernel(alias, 1), 3).data;
}

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  let hue = 0;
  if (d > 0) hue = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [hue / 6, max > 0 ? d / max : 0, max];
}

function hsvToRgb(hue: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(hue * 6) % 6, f = hue * 6 - Math.floor(hue * 6);
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[i]! as [number, number, number];
}

function hsvAdjust(img: Img, f: (hsv: [number, number, number]) => [number, number, number]): Img {
  if (img.c !== 3) return img;
  const out = new Float64Array(img.data.length);
  for (let i = 0; i < img.data.length; i += 3) {
    const rgb = hsvToRgb(...f(rgbToHsv(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!)));
    for (let ch = 0; ch < 3; ch++) out[i + ch] = clip01(rgb[ch]!);
  }
  return { ...img, data: out };
}

/** Area-averaging resample (PIL's BOX filter) to th×tw. */
function boxResize(img: Img, th: number, tw: number): Img {
  const { h, w, c } = img;
  const out = new Float64Array(th * tw * c);
  const sy = h / th, sx = w / tw;
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = 0, area = 0;
        for (let iy = Math.floor(y * sy); iy < Math.min(h, Math.ceil((y + 1) * sy)); iy++) {
          const wy = Math.min(iy + 1, (y + 1) * sy) - Math.max(iy, y * sy);
          for (let ix = Math.floor(x * sx); ix < Math.min(w, Math.ceil((x + 1) * sx)); ix++) {
            const wx = Math.min(ix + 1, (x + 1) * sx) - Math.max(ix, x * sx);
            s += wy * wx * img.data[(iy * w + ix) * c + ch]!;
            area += wy * wx;
          }
        }
        out[(y * tw + x) * c + ch] = s / area;
      }
  return { data: out, h: th, w: tw, c };
}

const SEVERITY: Record<Corruption, readonly unknown[]> = {
  gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1],
  shot_noise: [500, 250, 100, 75, 50],
  impulse_noise: [0.01, 0.02, 0.03, 0.05, 0.07],
  defocus_blur: [[0.3, 0.4], [0.4, 0.5], [0.5, 0.6], [1, 0.2], [1.5, 0.1]],
  gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1],
  brightness: [0.05, 0.1, 0.15, 0.2, 0.3],
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
  saturate: [[0.3, 0], [0.1, 0], [1.5, 0], [2, 0.1], [2.5, 0.2]],
  pixelate: [0.95, 0.9, 0.85, 0.75, 0.65],
  jpeg_compression: [80, 65, 58, 50, 40],
};

/** One corrupted copy of a uint8 HWC image at severity 1..5. */
export async function corrupt(pixels: Uint8Array, h: number, w: number, c: number, type: Corruption, severity: number, rng: Rng): Promise<Uint8Array> {
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) throw new RangeError(`severity must be 1..5, got ${severity}`);
  const p = SEVERITY[type][severity - 1] as number & [number, number];
  const img: Img = { data: Float64Array.from(pixels, (v) => v / 255), h, w, c };
  let out: Img;
  switch (type) {
    case 'gaussian_noise':
      out = map(img, (v) => clip01(v + p * rng.normal()));
      break;
    case 'shot_noise':
      out = map(img, (v) => clip01(rng.poisson(v * p) / p));
      break;
    case 'impulse_noise':
      // Salt and pepper: a fraction p of the values, half set to 0 and half to 1.
      out = map(img, (v) => (rng.uniform() < p ? (rng.uniform() < 0.5 ? 0 : 1) : v));
      break;
    case 'defocus_blur':
      out = map(filter(img, diskKernel(p[0], p[1]), 17), clip01);
      break;
    case 'gaussian_blur': {
      const radius = Math.ceil(4 * p);
      out = map(filter(img, gaussianKernel(p, radius), 2 * radius + 1), clip01);
      break;
    }
    case 'brightness':
      out = img.c === 3 ? hsvAdjust(img, ([hh, s, v]) => [hh, s, clip01(v + p)]) : map(img, (v) => clip01(v + p));
      break;
    case 'contrast': {
      const mean = img.data.reduce((a, b) => a + b, 0) / img.data.length;
      out = map(img, (v) => clip01((v - mean) * p + mean));
      break;
    }
    case 'saturate':
      out = hsvAdjust(img, ([hh, s, v]) => [hh, clip01(s * p[0] + p[1]), v]);
      break;
    case 'pixelate':
      out = boxResize(boxResize(img, Math.max(1, Math.round(h * p)), Math.max(1, Math.round(w * p))), h, w);
      break;
    case 'jpeg_compression': {
      const encoded = await sharp(Buffer.from(pixels), { raw: { width: w, height: h, channels: c as 1 | 3 } }).jpeg({ quality: p }).toBuffer();
      const { data } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true });
      return new Uint8Array(data.buffer, data.byteOffset, data.length).slice(0, h * w * c);
    }
  }
  return Uint8Array.from(out.data, (v) => Math.round(v * 255));
}
