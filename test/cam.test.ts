/**
 * Class activation maps: for a ResNet (average pooling, then the linear head) the map's mean plus
 * the bias is the class logit, computed here from the maps and compared with the model's own
 * logits; the overlay grid has the expected size.
 */
import { describe, expect, it } from 'vitest';
import { camGridPng, classActivationMaps } from '../lib/eval/cam.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, tinyConfig } from './helpers.js';

describe('class activation maps', () => {
  for (const method of ['mixup', 'adautomix'] as const) {
    it(`${method}: mean of the map + bias = the logit of its class`, async () => {
      const data = bandSplits(64, 16);
      const trainer = await createTrainer({ ...tinyConfig, method }, { data });
      await trainer.fit();
      const n = 6;
      const shape: [number, number, number, number] = [n, 12, 12, 1];
      const cam = await classActivationMaps(trainer, data.test.images.subarray(0, n * 144), shape, [0, 1, 2, 3, 1, 0]);
      const plane = cam.rows * cam.cols;
      const classes = cam.bias.length;
      for (let i = 0; i < n; i++) {
        const c = cam.classes[i]!;
        const mean = cam.raw.subarray(i * plane, (i + 1) * plane).reduce((s, v) => s + v, 0) / plane;
        expect(mean + cam.bias[c]!).toBeCloseTo(cam.logits[i * classes + c]!, 4);
      }
      const png = camGridPng(data.test.images.subarray(0, n * 144), shape, cam);
      expect(png.readUInt32BE(16)).toBe(n * 12 + (n + 1) * 2);
      expect(png.readUInt32BE(20)).toBe(2 * 12 + 3 * 2);
      await trainer.dispose();
    });
  }
});
