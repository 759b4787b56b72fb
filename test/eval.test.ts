/**
 * Evaluation of a trained model (lib/eval): per-head accuracy equal to the trainer's own
 * evaluation, calibration within range, and the attacks: FGSM keeps ‖δ‖∞ ≤ ε in pixel space and
 * raises the loss; the legacy variant clamps to [0, 1] in normalised space; PGD stays in the ball.
 */
import { describe, expect, it } from 'vitest';
import { fgsm, pgd } from '../lib/eval/attacks.js';
import { evaluateRun } from '../lib/eval/evaluate-run.js';
import { createTrainer } from '../lib/train/trainer.js';
import { bandSplits, tinyConfig } from './helpers.js';

describe('evaluation', () => {
  it('accuracy, calibration and attacks of a trained model', async () => {
    const data = bandSplits(64, 32);
    const trainer = await createTrainer({ ...tinyConfig, epochs: 2, method: 'mixup' }, { data });
    await trainer.fit();
    const report = await evaluateRun(trainer, data.test, { batchSize: 10, pgd: true });
    const own = await trainer.evaluate();
    expect(report.count).toBe(32);
    expect(report.heads.head!.top1).toBeCloseTo(own.top1, 8);
    expect(report.heads.head!.top5).toBeCloseTo(own.top5, 8);
    expect(report.heads.head!.loss).toBeCloseTo(own.loss, 4);
    for (const v of [report.heads.head!.ece15, report.heads.head!.ece10, report.heads.head!.eceOpenMixup]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(report.heads.head!.bins.reduce((s, b) => s + b.count, 0)).toBe(32);
    expect(report.fgsm).toMatchObject({ head: 'head', mode: 'pixel' });
    expect(report.pgd!.top1).toBeLessThanOrEqual(report.heads.head!.top1);

    // The attacks on one batch, checked directly.
    const { mean, std } = trainer.normalisation;
    const n = 16;
    const input = trainer.testView(data.test.images.subarray(0, n * 144), [n, 12, 12, 1]);
    const labels = data.test.labels.slice(0, n);
    const ctx = { native: trainer, mean, std, head: 'head' };
    const eps = 8 / 255;
    const clean = (await trainer.inputGradient(input, labels, 'head')).loss;
    const pixel = (v: number) => v * std[0]! + mean[0]!;
    for (const attacked of [await fgsm(ctx, input, labels, eps, 'pixel'), await pgd(ctx, input, labels, eps, 2 / 255, 10, 5)]) {
      let worst = 0;
      attacked.values.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(pixel(v) - pixel(input.values[i]!)));
        expect(pixel(v)).toBeGreaterThanOrEqual(-1e-6);
        expect(pixel(v)).toBeLessThanOrEqual(1 + 1e-6);
      });
      expect(worst).toBeLessThanOrEqual(eps + 1e-6);
      expect(worst).toBeGreaterThan(eps / 2);
      expect((await trainer.inputGradient(attacked, labels, 'head')).loss).toBeGreaterThan(clean);
    }
    const legacy = await fgsm(ctx, input, labels, eps, 'openmixup-legacy');
    for (const v of legacy.values) expect(v >= 0 && v <= 1).toBe(true);
    await expect(evaluateRun(trainer, data.test, { head: 'one_k' })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await trainer.dispose();
  });

  it("per class: the head's confusion matrix counts the classifier's own predictions against the labels", async () => {
    const names = ['top', 'upper', 'lower', 'bottom'];
    const data = { ...bandSplits(64, 30), classNames: names };
    const trainer = await createTrainer({ ...tinyConfig, epochs: 2, method: 'adautomix' }, { data });
    try {
      await trainer.fit();
      const head = 'mix_q';
      const report = await evaluateRun(trainer, data.test, { batchSize: 7, head, fgsm: false });
      const { perClass } = report;
      expect(perClass.head).toBe(head);
      // The same counts from an independent path: the classifier's softmax and ordering in JS.
      const predictions = await trainer.classifier({ head }).classify(data.test.images, [30, data.test.height, data.test.width, 1]);
      const expected = names.map(() => names.map(() => 0));
      predictions.forEach((p, i) => {
        const row = expected[data.test.labels[i]!]!;
        row[p.label] = row[p.label]! + 1;
      });
      expect(perClass.confusion).toEqual(expected);
      expect(perClass.classes.map((c) => c.name)).toEqual(names);
      expect(perClass.classes.map((c) => c.count)).toEqual([8, 8, 7, 7]); // labels are i mod 4
      for (const c of perClass.classes) expect(c.top1).toBeCloseTo((100 * expected[c.label]![c.label]!) / c.count, 10);
      const correct = perClass.classes.reduce((a, c) => a + expected[c.label]![c.label]!, 0);
      expect((100 * correct) / 30).toBeCloseTo(report.heads[head]!.top1, 10);
      // A class without test images has no accuracy.
      const few = await evaluateRun(trainer, data.test, { limit: 3, fgsm: false });
      expect(few.perClass.classes.map((c) => c.count)).toEqual([1, 1, 1, 0]);
      expect(few.perClass.classes[3]!.top1).toBeNull();
      expect(few.perClass.head).toBe('one_k');
    } finally {
      await trainer.dispose();
    }
  });
});
