/** One-line progress bar on a TTY (redrawn in place), periodic plain lines otherwise. */
import type { ReportedAccuracy } from '../eval/reported.js';
import type { BestRecord } from '../train/best-weights.js';
import type { EpochMetrics, StepProgress } from '../train/events.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export function formatProgress(p: StepProgress, width = 24): string {
  const done = Math.round((p.step / p.stepsPerEpoch) * width);
  const bar = `${'#'.repeat(done)}${'.'.repeat(width - done)}`;
  return (
    `epoch ${p.epoch}/${p.epochs} [${bar}] step ${p.step}/${p.stepsPerEpoch} ` +
    `loss ${p.loss.toFixed(4)} lr ${p.lr.toPrecision(3)} ${p.imgPerSec.toFixed(0)} img/s ETA ${formatDuration(p.etaSeconds)}`
  );
}

/** `split`: what the epoch was evaluated on ('val' with --val-split). */
export function formatEpoch(m: EpochMetrics, split: 'test' | 'val' = 'test'): string {
  const others = Object.entries(m.heads).filter(([name]) => name !== m.head);
  const heads = others.length > 0 ? ` (${m.head}; ${others.map(([n, h]) => `${n} ${h.top1.toFixed(2)}`).join(', ')})` : '';
  return (
    `epoch ${m.epoch}: ${split} top-1 ${m.top1.toFixed(2)}%${heads} top-5 ${m.top5.toFixed(2)}% loss ${m.loss.toFixed(4)} | ` +
    `train loss ${m.trainLoss.toFixed(4)} | ${m.imgPerSec.toFixed(0)} img/s, ${formatDuration(m.seconds)}` +
    (m.skippedSteps > 0 ? ` | ${m.skippedSteps} step(s) skipped (NaN)` : '')
  );
}

/** Which epoch a best-weights file is from, and what it scored then. */
export function formatBestWeights(best: BestRecord): string {
  const split = best.split === 'validation' ? 'val' : 'test';
  return `best weights: epoch ${best.epoch}, ${split} top-1 ${best.top1.toFixed(2)}% (${best.head}) during training`;
}

/** The end-of-training line: where the best epoch's weights are. */
export function formatBest(best: BestRecord, path: string): string {
  return `adautomix: ${formatBestWeights(best)}, in ${path} (eval, predict, samples and export: --weights best)`;
}

/** Both reported numbers of DECISIONS.md, labelled. */
export function formatReported(r: ReportedAccuracy): string {
  const q = r.openmixup.q === null ? '' : ` (q heads ${r.openmixup.q.toFixed(2)})`;
  const medians = Object.entries(r.medianLast10).map(([h, v]) => `${h} ${v.toFixed(2)}`).join(', ');
  return (
    `adautomix: reported top-1, OpenMixup procedure over epochs ${r.openmixup.epochs[0]}-${r.openmixup.epochs.at(-1)}: ` +
    `${r.openmixup.value.toFixed(2)}%${q}; median of the last 10 epochs: ${medians}`
  );
}

export class ProgressPrinter {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly plainEveryMs = 10_000) {}

  step(p: StepProgress): void {
    if (this.stream.isTTY) {
      const line = formatProgress(p).slice(0, (this.stream.columns ?? 120) - 1);
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= this.plainEveryMs || p.step === p.stepsPerEpoch) {
      this.lastPlain = Date.now();
      this.stream.write(`${formatProgress(p)}\n`);
    }
  }

  /** Prints a full line, clearing the bar first. */
  line(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  clear(): void {
    if (this.drawn) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
    }
  }
}
