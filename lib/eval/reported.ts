/**
 * The accuracy a run reports, computed the two ways DECISIONS.md names, each labelled:
 * - `openmixup`: OpenMixup's summary scripts (ALGORITHMS.md §5.2). For AutoMix/AdAutoMix, the
 *   last 12 epochs, the prefix of 11 or 12 of them whose best head median is largest, then
 *   max(median one_k, median mix_k) (k) and the same for q; the value is k. For single-head
 *   methods, the median of the last 11 epochs.
 * - `medianLast10`: the plain median of each head's top-1 over the last 10 epochs.
 * Short runs use the epochs they have.
 */
import { describe } from '../config/validate.js';
import { configError } from '../errors.js';
import type { EpochMetrics } from '../train/events.js';

/** Every test-time head of a method: the four of AutoMix/AdAutoMix, or the one classifier's. */
export const testHeads = (learned: boolean): string[] => (learned ? ['mix_k', 'one_k', 'mix_q', 'one_q'] : ['head']);

/** The head a run reports and the tools use by default: the EMA network's one-hot head for AutoMix/AdAutoMix. */
export const reportedHead = (learned: boolean): string => (learned ? 'one_k' : 'head');

/** `head` (default: the reported one) where the method has it; otherwise E_CONFIG listing the heads it has. */
export function checkedHead(head: unknown, learned: boolean): string {
  if (head === undefined) return reportedHead(learned);
  const heads = testHeads(learned);
  if (typeof head !== 'string' || !heads.includes(head)) throw configError(`unknown head ${describe(head)}; this network's heads: ${heads.join(', ')}`);
  return head;
}

export interface ReportedAccuracy {
  openmixup: { value: number; k: number | null; q: number | null; epochs: number[] };
  medianLast10: Record<string, number>;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const headTop1 = (records: EpochMetrics[], head: string) => records.map((r) => r.heads[head]?.top1 ?? Number.NaN);

function maxOfMedians(records: EpochMetrics[], heads: string[]): number {
  return Math.max(...heads.map((h) => median(headTop1(records, h))));
}

export function reportedAccuracy(history: EpochMetrics[]): ReportedAccuracy | null {
  if (history.length === 0) return null;
  const heads = Object.keys(history[0]!.heads);
  const medianLast10: Record<string, number> = {};
  for (const h of heads) medianLast10[h] = median(headTop1(history.slice(-10), h));

  const twin = heads.includes('one_k') && heads.includes('mix_k');
  if (!twin) {
    const last = history.slice(-11);
    return {
      openmixup: { value: median(headTop1(last, heads[0]!)), k: null, q: null, epochs: last.map((r) => r.epoch) },
      medianLast10,
    };
  }
  const window = history.slice(-12);
  // Prefix lengths n−1, n, n+1 (clipped) of the last-12 window: keep the one with the best head median.
  const candidates = [window.length - 1, window.length, window.length + 1].filter((n) => n >= 1).map((n) => window.slice(0, n));
  let best = candidates[0]!;
  for (const c of candidates) if (maxOfMedians(c, heads) > maxOfMedians(best, heads)) best = c;
  const k = maxOfMedians(best, ['one_k', 'mix_k']);
  const q = heads.includes('one_q') ? maxOfMedians(best, ['one_q', 'mix_q']) : null;
  return { openmixup: { value: k, k, q, epochs: best.map((r) => r.epoch) }, medianLast10 };
}
