/**
 * `adautomix report`: one self-contained HTML page (and a Markdown version with the charts as SVG
 * files beside it) for a set of runs: the table against the published numbers of ALGORITHMS.md §6
 * (matched through the run's preset), every head's accuracy with both reported numbers, training
 * curves, and, where `adautomix eval` wrote eval.json, calibration, attacks, corruption and
 * occlusion charts, and per-class accuracy with the confusion matrix; the best epoch
 * (best.safetensors) with what eval-best.json measured of it; samples.png and cam.png are
 * embedded when present.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { presets } from '../config/presets.js';
import type { ResolvedConfig } from '../config/types.js';
import { upgradeResolvedConfig } from '../config/upgrade.js';
import { reportedAccuracy, type ReportedAccuracy } from '../eval/reported.js';
import type { EvalReport } from '../eval/evaluate-run.js';
import { className, type PerClassReport } from '../eval/per-class.js';
import { readBestRecord, type BestRecord } from '../train/best-weights.js';
import type { EpochMetrics } from '../train/events.js';
import { RunDir } from './run-dir.js';
import { meanAndSd, seedGroups, type SeedGroup } from './seeds.js';
import { barChart, confusionChart, esc, lineChart, reliabilityChart } from './svg.js';

export interface RunData {
  dir: string;
  name: string;
  config: ResolvedConfig;
  history: EpochMetrics[];
  reported: ReportedAccuracy | null;
  /** eval.json; one written before per-class reports lacks `perClass`. */
  evaluation: (Omit<EvalReport, 'perClass'> & { perClass?: PerClassReport; dataset?: string; split?: 'validation' | 'test' }) | null;
  /** best.safetensors' record, and what `adautomix eval --weights best` measured of it (eval-best.json). */
  best: { record: BestRecord; evaluation: { split: 'validation' | 'test'; top1: number } | null } | null;
  images: { name: string; png: Buffer }[];
}

export async function readRun(dir: string): Promise<RunData> {
  const config = upgradeResolvedConfig(await RunDir.readConfig(dir));
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const history = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EpochMetrics & { kind?: string })
    .filter((r) => r.kind === undefined || r.kind === 'epoch');
  const evaluation = await readFile(join(dir, 'eval.json'), 'utf8').then((t) => JSON.parse(t) as EvalReport, () => null);
  const best = await bestOf(dir);
  const images: RunData['images'] = [];
  for (const name of ['samples.png', 'cam.png']) {
    const png = await readFile(join(dir, name)).catch(() => null);
    if (png) images.push({ name, png });
  }
  return { dir, name: basename(dir), config, history, reported: reportedAccuracy(history), evaluation, best, images };
}

/** A run's best epoch and eval-best.json's top-1 of the head that chose it; null without best.safetensors. */
async function bestOf(dir: string): Promise<RunData['best']> {
  const record = await readBestRecord(join(dir, 'best.safetensors')).catch(() => null);
  if (!record) return null;
  const evaluated = await readFile(join(dir, 'eval-best.json'), 'utf8').then((t) => JSON.parse(t) as EvalReport & { split?: 'validation' | 'test' }, () => null);
  const top1 = evaluated?.heads[record.head]?.top1;
  return { record, evaluation: evaluated && top1 !== undefined ? { split: evaluated.split ?? 'test', top1 } : null };
}

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));

interface Table {
  caption: string;
  head: string[];
  rows: string[][];
}

/**
 * The published run a run reproduces: its preset's, or else the published preset with the same
 * dataset, architecture, method and epochs.
 */
export function publishedFor(config: ResolvedConfig): { preset: string; top1: number; source: string } | null {
  const own = config.preset ? presets[config.preset] : undefined;
  if (own?.published) return { preset: config.preset!, ...own.published };
  for (const [name, p] of Object.entries(presets)) {
    if (!p.published) continue;
    const method = typeof p.config.method === 'string' ? p.config.method : p.config.method?.name;
    if (p.config.dataset?.name === config.dataset.name && p.config.model?.arch === config.model.arch && method === config.method.name && p.config.epochs === config.epochs) {
      return { preset: name, ...p.published };
    }
  }
  return null;
}

function tables(runs: RunData[]): Table[] {
  const out: Table[] = [];
  out.push({
    caption: 'Against the published numbers (top-1 %)',
    head: ['run', 'published run', 'published', 'source', 'ours: OpenMixup procedure', 'ours: median of last 10 (best head)', 'difference'],
    rows: runs.map((r) => {
      const published = publishedFor(r.config);
      const ours = r.reported?.openmixup.value ?? null;
      const best = bestMedian(r);
      const source = `${published?.source ?? 'no published run'}${r.config.dataset.validation ? '; ours on a validation split' : ''}`;
      return [r.name, published?.preset ?? '–', pct(published?.top1), source, pct(ours), pct(best),
        published && ours !== null ? (ours - published.top1).toFixed(2) : '–'];
    }),
  });
  const groups = seedGroups(runs);
  if (groups.length > 0) out.push(acrossSeeds(groups));
  out.push({
    caption: 'Every head (top-1 % of the last epoch; median of the last 10 epochs)',
    head: ['run', 'method', 'model', 'epochs', 'head', 'last epoch', 'median last 10'],
    rows: runs.flatMap((r) => {
      const last = r.history[r.history.length - 1];
      return Object.keys(last?.heads ?? {}).map((h) => [r.name, r.config.method.name, r.config.model.arch, String(r.history.length), h,
        pct(last?.heads[h]?.top1), pct(r.reported?.medianLast10[h])]);
    }),
  });
  const chosen = runs.filter((r) => r.best);
  if (chosen.length > 0) out.push(bestEpochs(chosen));
  const evaluated = runs.filter((r) => r.evaluation);
  if (evaluated.length > 0) {
    out.push({
      caption: 'Calibration and robustness (adautomix eval)',
      head: ['run', 'head', 'top-1', 'ECE 15 bins', 'ECE 10 bins', 'ECE (original, sorted bins)', 'FGSM top-1', 'PGD-10 top-1', 'corrupted top-1'],
      rows: evaluated.flatMap((r) => {
        const e = r.evaluation!;
        return Object.entries(e.heads).map(([h, v]) => [`${r.name}${e.split === 'validation' ? ' (validation split)' : ''}`, h, pct(v.top1), pct(v.ece15), pct(v.ece10), pct(v.eceOpenMixup),
          e.fgsm?.head === h ? pct(e.fgsm.top1) : '', e.pgd?.head === h ? pct(e.pgd.top1) : '',
          e.corruptions?.head === h ? pct(e.corruptions.overall) : e.cifarC?.head === h ? pct(e.cifarC.overall) : '']);
      }),
    });
  }
  for (const r of evaluated) {
    if (r.evaluation!.perClass) out.push(perClassTable(r.name, r.evaluation!.perClass));
  }
  return out;
}

/** Each run's best epoch: where it was chosen, and what `eval --weights best` measured of it. */
function bestEpochs(runs: RunData[]): Table {
  return {
    caption: 'Best epoch (best.safetensors; adautomix eval --weights best)',
    head: ['run', 'head', 'epoch', 'chosen on', 'top-1 there', 'evaluated on', 'top-1'],
    rows: runs.map((r) => {
      const { record, evaluation } = r.best!;
      return [r.name, record.head, `${record.epoch} of ${r.history.length}`, `${record.split} split`, pct(record.top1),
        evaluation ? `${evaluation.split} split` : 'not yet', pct(evaluation?.top1)];
    }),
  };
}

const bestMedian = (r: RunData) => (r.reported ? Math.max(...Object.values(r.reported.medianLast10)) : null);

/** Each setting run with several seeds: the mean ± sample sd of both reported numbers, against the published one. */
function acrossSeeds(groups: SeedGroup<RunData>[]): Table {
  const spread = (values: (number | null)[]) => {
    const m = meanAndSd(values);
    return m ? `${m.mean.toFixed(2)} ± ${m.sd.toFixed(2)} (n = ${m.n})` : '–';
  };
  const labels = groups.map(({ members: [first] }) => {
    const c = first!.config;
    return c.preset ?? `${c.method.name}, ${c.model.arch}, ${c.dataset.name}, ${c.epochs} epochs`;
  });
  return {
    caption: 'Across seeds: runs of one setting (top-1 %, mean ± sample standard deviation)',
    head: ['setting', 'runs', 'seeds', 'ours: OpenMixup procedure', 'ours: median of last 10 (best head)', 'published', 'difference of the mean'],
    rows: groups.map(({ members, seeds }, i) => {
      const label = labels.indexOf(labels[i]!) === i && labels.lastIndexOf(labels[i]!) === i ? labels[i]! : `${labels[i]} (setting ${i + 1})`;
      const published = publishedFor(members[0]!.config);
      const values = members.map((r) => r.reported?.openmixup.value ?? null);
      const ours = meanAndSd(values);
      return [label, members.map((r) => r.name).join(', '), seeds.join(', '), spread(values),
        spread(members.map(bestMedian)), pct(published?.top1), published && ours ? (ours.mean - published.top1).toFixed(2) : '–'];
    }),
  };
}

/** Up to this many classes, the report lists every class and draws the confusion matrix. */
const ALL_CLASSES = 20;

/** Every class's top-1 for a few classes; for many, the 10 the head gets wrong most. */
function perClassTable(run: string, p: PerClassReport): Table {
  const name = (label: number) => className(p.classes[label] ?? { label, name: null });
  const shown = p.classes.length <= ALL_CLASSES ? p.classes : [...p.classes].sort((a, b) => (a.top1 ?? 101) - (b.top1 ?? 101)).slice(0, 10);
  return {
    caption: `Per class, ${run} (${p.head}${p.classes.length > ALL_CLASSES ? `; the 10 lowest of ${p.classes.length} classes` : ''})`,
    head: ['class', 'test images', 'top-1', 'most often taken for'],
    rows: shown.map((c) => {
      const row = p.confusion[c.label] ?? [];
      let other = -1;
      row.forEach((v, k) => {
        if (k !== c.label && v > 0 && (other < 0 || v > row[other]!)) other = k;
      });
      return [name(c.label), String(c.count), pct(c.top1), other < 0 ? '–' : `${name(other)} (${pct((100 * row[other]!) / c.count)}%)`];
    }),
  };
}

function charts(runs: RunData[]): { name: string; svg: string }[] {
  const out: { name: string; svg: string }[] = [];
  const curves = runs.flatMap((r) =>
    Object.keys(r.history[0]?.heads ?? {}).map((h) => ({ name: runs.length > 1 ? `${r.name}:${h}` : h, points: r.history.map((m) => [m.epoch, m.heads[h]!.top1] as [number, number]) })),
  );
  if (curves.length > 0) out.push({ name: 'top1', svg: lineChart('Test top-1 per epoch', 'epoch', 'top-1 %', curves) });
  const losses = runs.map((r) => ({ name: r.name, points: r.history.map((m) => [m.epoch, m.trainLoss] as [number, number]) }));
  if (runs.some((r) => r.history.length > 0)) out.push({ name: 'train-loss', svg: lineChart('Training loss per epoch', 'epoch', 'loss', losses) });
  for (const r of runs) {
    const e = r.evaluation;
    if (!e) continue;
    const head = e.fgsm?.head ?? Object.keys(e.heads)[0]!;
    const bins = e.heads[head]?.bins;
    if (bins) out.push({ name: `${r.name}-reliability`, svg: reliabilityChart(`${r.name}: reliability (${head})`, bins) });
    const robustness = e.corruptions ?? e.cifarC;
    if (robustness) {
      const bars = Object.entries(robustness.perType).map(([type, bySeverity]) => {
        const v = Object.values(bySeverity);
        return { label: type, value: v.reduce((a, b) => a + b, 0) / v.length };
      });
      out.push({ name: `${r.name}-corruptions`, svg: barChart(`${r.name}: top-1 under corruption (mean over severities)`, 'top-1 %', bars, [0, 100]) });
    }
    if (e.occlusion) {
      out.push({ name: `${r.name}-occlusion`, svg: lineChart(`${r.name}: occlusion`, 'occluded share', 'top-1 %', [{ name: e.occlusion.head, points: e.occlusion.points.map((p) => [p.ratio, p.top1]) }], [0, 100]) });
    }
    if (e.perClass && e.perClass.classes.length <= ALL_CLASSES) {
      const names = e.perClass.classes.map(className);
      out.push({ name: `${r.name}-confusion`, svg: confusionChart(`${r.name}: confusion matrix (${e.perClass.head})`, names, e.perClass.confusion) });
    }
  }
  return out;
}

function htmlTable(t: Table): string {
  return `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function markdownTable(t: Table): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return `**${t.caption}**\n\n${line(t.head)}\n${line(t.head.map(() => '---'))}\n${t.rows.map(line).join('\n')}\n`;
}

export interface RenderedReport {
  html: string;
  markdown: string;
  /** SVG files the Markdown version links to, by file name. */
  svgs: Record<string, string>;
}

export function renderReport(runs: RunData[]): RenderedReport {
  const ts = tables(runs);
  const cs = charts(runs);
  const title = `adautomix report: ${runs.map((r) => r.name).join(', ')}`;
  const images = runs.flatMap((r) => r.images.map((i) => ({ run: r.name, ...i })));
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>` +
    'body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0 28px}caption{text-align:left;font-weight:bold;margin-bottom:6px}' +
    'td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}th{background:#f2f2f2}.charts{display:flex;flex-wrap:wrap;gap:16px}img{image-rendering:pixelated;max-width:100%}' +
    `</style></head><body><h1>${esc(title)}</h1>` +
    `<p>Runs: ${runs.map((r) => `${esc(r.name)} (${esc(r.config.method.name)}, ${esc(r.config.model.arch)}, ${esc(r.config.dataset.name)}, ${r.history.length} epoch(s))`).join('; ')}.</p>` +
    ts.map(htmlTable).join('') +
    `<h2>Charts</h2><div class="charts">${cs.map((c) => c.svg).join('')}</div>` +
    (images.length > 0 ? `<h2>Images</h2>${images.map((i) => `<figure><img alt="${esc(`${i.run} ${i.name}`)}" src="data:image/png;base64,${i.png.toString('base64')}"><figcaption>${esc(`${i.run}: ${i.name}`)}</figcaption></figure>`).join('')}` : '') +
    '</body></html>\n';
  const markdown =
    `# ${title}\n\n` + ts.map(markdownTable).join('\n') + '\n' + cs.map((c) => `![${c.name}](report-${c.name}.svg)\n`).join('\n');
  const svgs = Object.fromEntries(cs.map((c) => [`report-${c.name}.svg`, c.svg]));
  return { html, markdown, svgs };
}
