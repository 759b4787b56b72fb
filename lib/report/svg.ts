/** Small self-contained SVG charts for the run report: line charts and bar charts with axes. */

export interface Series {
  name: string;
  points: [number, number][];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 560, H = 300, L = 52, R = 130, T = 28, B = 40;

/** Text safe inside HTML/SVG elements and attribute values. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Data → pixel positions inside the plot area for the given x and y ranges. */
function scales(xs: [number, number], ys: [number, number]) {
  return {
    px: (x: number) => L + ((x - xs[0]) / (xs[1] - xs[0] || 1)) * (W - L - R),
    py: (y: number) => H - B - ((y - ys[0]) / (ys[1] - ys[0] || 1)) * (H - T - B),
  };
}

function frame(title: string, xLabel: string, yLabel: string, xs: [number, number], ys: [number, number], body: string): string {
  const ticks = (lo: number, hi: number) => Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const { px, py } = scales(xs, ys);
  const grid = [
    ...ticks(...ys).map((y) => `<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${fmt(y)}</text>`),
    ...ticks(...xs).map((x) => `<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${fmt(x)}</text>`),
  ].join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">` +
    `<rect width="${W}" height="${H}" fill="white"/><text x="${L}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>${grid}` +
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#444"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#444"/>` +
    `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>` +
    `<text x="12" y="${(T + H - B) / 2}" font-size="11" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${esc(yLabel)}</text>${body}</svg>`
  );
}

function range(values: number[], pad = 0.05): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - span * pad, hi + span * pad];
}

/** One polyline per series, a legend on the right. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], yRange?: [number, number]): string {
  const xs = range(series.flatMap((s) => s.points.map((p) => p[0])), 0);
  const ys = yRange ?? range(series.flatMap((s) => s.points.map((p) => p[1])));
  const { px, py } = scales(xs, ys);
  const body = series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      const path = s.points.filter((p) => Number.isFinite(p[1])).map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
      const dots = s.points.length <= 30 ? s.points.map((p) => `<circle cx="${px(p[0])}" cy="${py(p[1])}" r="2.5" fill="${colour}"/>`).join('') : '';
      return `<polyline class="series" fill="none" stroke="${colour}" stroke-width="2" points="${path}"/>${dots}` +
        `<text x="${W - R + 10}" y="${T + 14 + i * 16}" font-size="11" fill="${colour}">${esc(s.name)}</text>`;
    })
    .join('');
  return frame(title, xLabel, yLabel, xs, ys, body);
}

/** Vertical bars with their labels under them. */
export function barChart(title: string, yLabel: string, bars: { label: string; value: number }[], yRange?: [number, number]): string {
  const ys = yRange ?? [0, Math.max(1, ...bars.map((b) => b.value)) * 1.05];
  const slot = (W - L - R) / Math.max(1, bars.length);
  const { py } = scales([0, 1], ys);
  const body = bars
    .map((b, i) => {
      const x = L + i * slot + slot * 0.15;
      return `<rect class="bar" x="${x}" y="${py(b.value)}" width="${slot * 0.7}" height="${H - B - py(b.value)}" fill="${COLOURS[0]}"/>` +
        `<text x="${x + slot * 0.35}" y="${H - B + 14 + (i % 2) * 11}" font-size="9" text-anchor="middle">${esc(b.label)}</text>`;
    })
    .join('');
  return frame(title, '', yLabel, [0, 1], ys, body).replace(/<text x="[^"]*" y="\d+(\.\d+)?" text-anchor="middle" font-size="11">[^<]*<\/text>/g, '');
}

/** The reliability diagram: accuracy per confidence bin against the diagonal. */
export function reliabilityChart(title: string, bins: { lower: number; upper: number; accuracy: number; count: number }[]): string {
  const { px, py } = scales([0, 1], [0, 1]);
  const body =
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#888" stroke-dasharray="4 3"/>` +
    bins
      .filter((b) => b.count > 0)
      .map((b) => `<rect class="bar" x="${px(b.lower) + 1}" y="${py(b.accuracy)}" width="${px(b.upper) - px(b.lower) - 2}" height="${py(0) - py(b.accuracy)}" fill="${COLOURS[0]}" fill-opacity="0.8"/>`)
      .join('');
  return frame(title, 'confidence', 'accuracy', [0, 1], [0, 1], body);
}

/**
 * A confusion matrix as a grid of cells with the counts written in: green on the diagonal, as deep
 * as the share of the row's images that are right; red elsewhere, as deep as the share of the
 * row's images taken for that class relative to the largest such share, so that the common
 * confusions stand out even where every error is rare.
 */
export function confusionChart(title: string, labels: string[], confusion: number[][]): string {
  const n = labels.length;
  const cell = Math.max(14, Math.min(36, Math.floor(420 / Math.max(1, n))));
  const left = 120, top = 54;
  const size = n * cell;
  const width = left + size + 20, height = top + size + 110;
  const shares = confusion.map((row) => {
    const total = row.reduce((a, v) => a + v, 0) || 1;
    return row.map((count) => count / total);
  });
  const worst = Math.max(1e-9, ...shares.flatMap((row, r) => row.filter((_, c) => c !== r)));
  const cells = confusion
    .map((row, r) => {
      return row
        .map((count, c) => {
          const share = shares[r]![c]!;
          const x = left + c * cell, y = top + r * cell;
          const fill = r === c ? `rgba(44,160,44,${share.toFixed(3)})` : `rgba(214,39,40,${(share / worst).toFixed(3)})`;
          const text = cell >= 20 && count > 0 ? `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" font-size="10" text-anchor="middle">${count}</text>` : '';
          return `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#eee"/>${text}`;
        })
        .join('');
    })
    .join('');
  const rowNames = labels.map((l, r) => `<text x="${left - 6}" y="${top + r * cell + cell / 2 + 4}" font-size="10" text-anchor="end">${esc(l)}</text>`).join('');
  const colNames = labels
    .map((l, c) => {
      const x = left + c * cell + cell / 2 + 4, y = top + size + 8;
      return `<text x="${x}" y="${y}" font-size="10" text-anchor="end" transform="rotate(-60 ${x} ${y})">${esc(l)}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<rect width="${width}" height="${height}" fill="white"/><text x="8" y="18" font-size="13" font-weight="bold">${esc(title)}</text>` +
    `<text x="8" y="32" font-size="11">rows: the actual class; columns: the predicted one</text>` +
    `<text x="8" y="45" font-size="11">red: errors, deepest where most common</text>${cells}${rowNames}${colNames}</svg>`
  );
}
