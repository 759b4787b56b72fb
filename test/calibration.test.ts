/** ECE on hand-computed cases: standard binning and the original's sorted-bins variant (ALGORITHMS.md §5.3). */
import { describe, expect, it } from 'vitest';
import { calibration, confidences, expectedCalibrationError, openMixupEce, reliabilityBins } from '../lib/eval/calibration.js';

describe('calibration', () => {
  it('standard and sorted-bins ECE of four samples', () => {
    const confidence = [0.95, 0.85, 0.65, 0.55];
    const correct = [1, 0, 1, 1];
    const bins = reliabilityBins(confidence, correct, 10);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 1, 1]);
    // (|1 − .95| + |0 − .85| + |1 − .65| + |1 − .55|) / 4
    expect(expectedCalibrationError(bins)).toBeCloseTo(42.5, 10);
    // Sorted accuracies [0×7, 1, 1, 1] and confidences [0×6, .55, .65, .85, .95] against counts
    // [0, 0, 0, 0, 0, 1, 1, 0, 1, 1]: (0 + .55 + .15 + .05) / 4.
    expect(openMixupEce(bins)).toBeCloseTo(18.75, 10);
  });

  it('bins are (lower, upper]: edges go down, zero goes nowhere, one goes to the last bin', () => {
    const bins = reliabilityBins([0.3, 0.1, 0, 1, 0.30000000000000004, 0.31], [1, 1, 1, 1, 1, 1], 10);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 2, 1, 0, 0, 0, 0, 0, 1]);
    const c = calibration([0.5, 0.5], [1, 0]);
    expect(c.ece15).toBeCloseTo(0, 10); // one bin at 50% confidence and 50% accuracy
    expect(c.bins).toHaveLength(15);
  });

  it('confidences are the softmax maximum, correctness the argmax', () => {
    const logits = Float32Array.from([2, 0, 0, /**/ 0, 0, 5]);
    const { confidence, correct } = confidences(logits, 3, [0, 1]);
    expect(confidence[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 2), 6);
    expect(confidence[1]).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 2), 6);
    expect(Array.from(correct)).toEqual([1, 0]);
  });
});
