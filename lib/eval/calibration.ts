/**
 * Calibration of a classifier's confidences (ALGORITHMS.md §5.3, DECISIONS.md): the standard
 * binned expected calibration error over equal-width bins (m/B, (m+1)/B], and the variant the
 * AdAutoMix/OpenMixup code reports, which sorts the bins' accuracies and confidences separately
 * before pairing them (10 bins). Both in percent, each labelled.
 */

export interface ReliabilityBin {
  /** (lower, upper] confidence range. */
  lower: number;
  upper: number;
  count: number;
  /** Fraction correct and mean confidence of the bin's samples (0 when empty). */
  accuracy: number;
  confidence: number;
}

export interface Calibration {
  /** Standard ECE, percent. */
  ece15: number;
  ece10: number;
  /** The original code's sorted-bins ECE (10 bins), percent: for comparison with the papers only. */
  eceOpenMixup: number;
  /** The 15-bin reliability diagram. */
  bins: ReliabilityBin[];
}

/** Confidence (max softmax probability), correctness and the predicted class (the first maximum) of each sample, from logits [n, classes]. */
export function confidences(
  logits: Float32Array,
  classes: number,
  labels: ArrayLike<number>,
): { confidence: Float64Array; correct: Uint8Array; predicted: Int32Array } {
  const n = labels.length;
  const confidence = new Float64Array(n);
  const correct = new Uint8Array(n);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    let best = 0;
    for (let k = 1; k < classes; k++) if (row[k]! > row[best]!) best = k;
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(row[k]! - row[best]!);
    confidence[i] = 1 / sum; // exp(max − max) / Σ exp(z − max)
    correct[i] = best === labels[i] ? 1 : 0;
    predicted[i] = best;
  }
  return { confidence, correct, predicted };
}

/**
 * Equal-width bins (m/B, (m+1)/B]; a confidence of exactly 0 falls in none (as the original). The
 * edges are m·(1/B) as linspace computes them, so a confidence on an edge (0.3) lands where the
 * original puts it.
 */
export function reliabilityBins(confidence: ArrayLike<number>, correct: ArrayLike<number>, bins: number): ReliabilityBin[] {
  const step = 1 / bins;
  const edge = (m: number) => (m === bins ? 1 : m * step);
  const out = Array.from({ length: bins }, (_, m) => ({ lower: edge(m), upper: edge(m + 1), count: 0, accuracy: 0, confidence: 0 }));
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i]!;
    if (!(c > 0)) continue;
    let m = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    while (m > 0 && c <= out[m]!.lower) m--;
    while (m < bins - 1 && c > out[m]!.upper) m++;
    out[m]!.count += 1;
    out[m]!.accuracy += correct[i]!;
    out[m]!.confidence += c;
  }
  for (const b of out) {
    if (b.count > 0) {
      b.accuracy /= b.count;
      b.confidence /= b.count;
    }
  }
  return out;
}

/** Σ count·|accuracy − confidence| / Σ count, percent. */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((s, b) => s + b.count, 0);
  if (total === 0) return Number.NaN;
  return (100 * bins.reduce((s, b) => s + b.count * Math.abs(b.accuracy - b.confidence), 0)) / total;
}

/** The original code's ECE: accuracies and confidences sorted separately, then paired by rank with the counts. */
export function openMixupEce(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((s, b) => s + b.count, 0);
  if (total === 0) return Number.NaN;
  const acc = bins.map((b) => b.accuracy).sort((a, b) => a - b);
  const conf = bins.map((b) => b.confidence).sort((a, b) => a - b);
  return (100 * bins.reduce((s, b, m) => s + b.count * Math.abs(acc[m]! - conf[m]!), 0)) / total;
}

export function calibration(confidence: ArrayLike<number>, correct: ArrayLike<number>): Calibration {
  const bins15 = reliabilityBins(confidence, correct, 15);
  const bins10 = reliabilityBins(confidence, correct, 10);
  return { ece15: expectedCalibrationError(bins15), ece10: expectedCalibrationError(bins10), eceOpenMixup: openMixupEce(bins10), bins: bins15 };
}
