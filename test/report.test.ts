/**
 * The run report: built from a run folder (config, metrics, eval.json, an image), rendered by
 * headless Chromium (Debian's package), and checked from the DOM (the tables, the published
 * number, the charts, the image) and from a screenshot (it is drawn, not blank).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../lib/config/resolve.js';
import { encodePng } from '../lib/report/png.js';
import { RunDir } from '../lib/report/run-dir.js';
import { readRun, renderReport } from '../lib/report/run-report.js';
import { writeSafetensors } from '../lib/io/safetensors.js';
import { bestMetadata } from '../lib/train/best-weights.js';

const chromium = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);

/** A per-class report: class k of `count` has k % 7 errors, all taken for class (k + 1) mod count. */
function perClass(count: number, names: string[] | null = null) {
  const confusion = Array.from({ length: count }, (_, k) => {
    const row = new Array<number>(count).fill(0);
    row[k] = 10 - (k % 7);
    row[(k + 1) % count] = row[(k + 1) % count]! + (k % 7);
    return row;
  });
  const classes = confusion.map((row, label) => ({ label, name: names?.[label] ?? null, count: 10, top1: 10 * row[label]! }));
  return { head: 'one_k', classes, confusion };
}

/** A run folder; eval.json without `perClass` unless given (as eval.json files written before it). */
interface FakeOptions {
  validation?: boolean;
  seed?: number;
  /** Added to every top-1. */
  offset?: number;
  threads?: number;
  lr?: number;
}

async function fakeRun(perClassReport?: ReturnType<typeof perClass>, { validation = false, seed = 0, offset = 0, threads = 2, lr = 0.1 }: FakeOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'adx-report-'));
  const config = resolveConfig({
    preset: 'cifar100-r18-adautomix-800e', dataset: { dir: `/data/cifar-${seed}`, ...(validation && { validation: 0.1 }) }, epochs: 12, seed, threads, optimizer: { lr },
  });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, resolved: { device: 'cpu' } }));
  const heads = (e: number) => Object.fromEntries(['mix_k', 'one_k', 'mix_q', 'one_q'].map((h, i) => [h, { top1: 50 + e * 2 + i + offset, top5: 80 + e, loss: 2 - e / 10 }]));
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ kind: 'epoch', epoch: i + 1, ...heads(i + 1).one_k, count: 100, head: 'one_k', heads: heads(i + 1), trainLoss: 3 - i / 5, lr: 0.1, imgPerSec: 10, seconds: 1, skippedSteps: 0 }));
  await writeFile(join(dir, 'metrics.jsonl'), `${[JSON.stringify({ kind: 'step', globalStep: 5, loss: 3 }), ...lines].join('\n')}\n`);
  const bins = Array.from({ length: 15 }, (_, m) => ({ lower: m / 15, upper: (m + 1) / 15, count: m, accuracy: m / 15, confidence: (m + 0.5) / 15 }));
  const headReport = { top1: 70, top5: 90, loss: 1, ece15: 3.2, ece10: 3.1, eceOpenMixup: 1.5, bins };
  await writeFile(join(dir, 'eval.json'), JSON.stringify({
    ...(validation && { split: 'validation' }),
    count: 100, heads: { one_k: headReport, mix_k: headReport },
    fgsm: { head: 'one_k', epsilon: 8 / 255, top1: 20, error: 80, mode: 'pixel' }, pgd: null,
    corruptions: { head: 'one_k', perType: { contrast: { 1: 60, 2: 50 }, pixelate: { 1: 65, 2: 55 } }, overall: 57.5 }, cifarC: null,
    occlusion: { head: 'one_k', patch: 2, points: [0, 0.5, 1].map((ratio) => ({ ratio, top1: 70 * (1 - ratio) })) },
    ...(perClassReport && { perClass: perClassReport }),
  }));
  await writeFile(join(dir, 'samples.png'), encodePng(4, 4, 3, new Uint8Array(48).fill(200)));
  return dir;
}

describe('run report', () => {
  it('holds the tables, charts and published number, in HTML and Markdown', async () => {
    const dir = await fakeRun();
    const run = await readRun(dir);
    expect(run.history).toHaveLength(12); // the step line is not an epoch
    const r = renderReport([run]);
    expect(r.html).toContain('82.32'); // the preset's published top-1
    expect((r.html.match(/<table>/g) ?? []).length).toBe(3);
    expect(Object.keys(r.svgs).sort()).toEqual([
      `report-${run.name}-corruptions.svg`, `report-${run.name}-occlusion.svg`, `report-${run.name}-reliability.svg`, 'report-top1.svg', 'report-train-loss.svg',
    ]);
    expect(r.markdown).toContain('| run | published run | published |');
    // Without a preset, the published run with the same dataset, model, method and epochs.
    const { publishedFor } = await import('../lib/report/run-report.js');
    const custom = resolveConfig({ dataset: { name: 'tiny-imagenet', dir: '/d' }, model: { arch: 'resnet18_cifar' }, method: 'cutmix', epochs: 400 });
    expect(publishedFor(custom)).toMatchObject({ preset: 'tiny-r18-cutmix-400e', top1: 65.53 });
    expect(publishedFor({ ...custom, epochs: 3 })).toBeNull();
    expect(r.markdown).toContain(`![top1](report-top1.svg)`);
  });

  it('says where a run was evaluated on a validation split', async () => {
    const plain = renderReport([await readRun(await fakeRun())]).markdown;
    const held = renderReport([await readRun(await fakeRun(undefined, { validation: true }))]).markdown;
    for (const text of ['; ours on a validation split', ' (validation split) | one_k |']) {
      expect(plain).not.toContain(text);
      expect(held).toContain(text);
    }
  });

  it("shows each run's best epoch, where it was chosen, and what eval --weights best measured of it", async () => {
    const chosen = await fakeRun(undefined, { validation: true });
    // Epoch 9's one_k top-1 in fakeRun's curves: 50 + 2·9 + 1.
    await writeSafetensors(join(chosen, 'best.safetensors'), { w: { shape: [1], values: new Float32Array(1) } },
      bestMetadata({ epoch: 9, globalStep: 90, head: 'one_k', split: 'validation', top1: 69 }));
    await writeFile(join(chosen, 'eval-best.json'), JSON.stringify({ split: 'test', count: 100, heads: { one_k: { top1: 66.25 }, mix_k: { top1: 1 } } }));
    const pending = await fakeRun();
    await writeSafetensors(join(pending, 'best.safetensors'), { w: { shape: [1], values: new Float32Array(1) } },
      bestMetadata({ epoch: 12, globalStep: 120, head: 'one_k', split: 'test', top1: 75 }));
    const none = await fakeRun();
    const runs = await Promise.all([chosen, pending, none].map((d) => readRun(d)));
    expect(runs[0]!.best).toEqual({ record: { epoch: 9, globalStep: 90, head: 'one_k', split: 'validation', top1: 69 }, evaluation: { split: 'test', top1: 66.25 } });
    expect(runs[2]!.best).toBeNull();
    const table = renderReport(runs).markdown.split('**Best epoch (best.safetensors; adautomix eval --weights best)**')[1]!.split('\n\n')[1]!;
    const rows = table.split('\n').filter((l) => l.startsWith('| adx-report-'));
    expect(rows).toEqual([
      `| ${runs[0]!.name} | one_k | 9 of 12 | validation split | 69.00 | test split | 66.25 |`,
      `| ${runs[1]!.name} | one_k | 12 of 12 | test split | 75.00 | not yet | – |`,
    ]);
    expect(renderReport([runs[2]!]).markdown).not.toContain('Best epoch');
  });

  it('gives the mean and sample sd across the seeds of one setting, and keeps other settings apart', async () => {
    // Seeds 0, 1, 2 of one setting (on other threads and data folders: how, not what, they ran),
    // their top-1 curves shifted by 0, 1.5 and −0.75; one run of another learning rate.
    const dirs = [
      await fakeRun(undefined, { seed: 0 }),
      await fakeRun(undefined, { seed: 1, offset: 1.5, threads: 4 }),
      await fakeRun(undefined, { seed: 7, lr: 0.05 }),
      await fakeRun(undefined, { seed: 2, offset: -0.75 }),
    ];
    const runs = await Promise.all(dirs.map((d) => readRun(d)));
    const table = renderReport(runs).markdown.split('**Across seeds')[1]!.split('\n\n')[1]!.split('\n');
    const rows = table.filter((l) => l.startsWith('| cifar100'));
    expect(rows).toHaveLength(1);
    const cells = rows[0]!.slice(2, -2).split(' | ');
    expect(cells[0]).toBe('cifar100-r18-adautomix-800e');
    expect(cells[1]).toBe([runs[0], runs[1], runs[3]].map((r) => r!.name).join(', '));
    expect(cells[2]).toBe('0, 1, 2');
    // The shifts move each run's reported number by the same amount: mean base + 0.25, sd of (0, 1.5, −0.75).
    const base = runs[0]!.reported!.openmixup.value;
    const sd = Math.sqrt(((0 - 0.25) ** 2 + (1.5 - 0.25) ** 2 + (-0.75 - 0.25) ** 2) / 2);
    expect(cells[3]).toBe(`${(base + 0.25).toFixed(2)} ± ${sd.toFixed(2)} (n = 3)`);
    expect(cells[5]).toBe('82.32');
    expect(cells[6]).toBe((base + 0.25 - 82.32).toFixed(2));
    // One run of a setting makes no such table.
    expect(renderReport([runs[0]!, runs[2]!]).markdown).not.toContain('Across seeds');
  });

  it('lists every class for a few, the 10 lowest for many, and draws the confusion matrix of a few', async () => {
    const many = renderReport([await readRun(await fakeRun(perClass(100)))]);
    expect((many.html.match(/<table>/g) ?? []).length).toBe(4);
    const table = many.markdown.split('**Per class, ')[1]!;
    expect(table).toMatch(/^\S+ \(one_k; the 10 lowest of 100 classes\)\*\*/);
    const rows = table.split('\n').filter((l) => /^\| \d/.test(l));
    // Top-1 is 10·(10 − k mod 7) %: the 10 lowest are the classes with k mod 7 = 6, by label.
    expect(rows).toHaveLength(10);
    expect(rows[0]).toBe('| 6 | 10 | 40.00 | 7 (60.00%) |');
    expect(rows[9]).toBe('| 69 | 10 | 40.00 | 70 (60.00%) |');
    expect(Object.keys(many.svgs).some((f) => f.includes('confusion'))).toBe(false);

    const names = ['cat', 'dog', 'bird', 'fish'];
    const few = renderReport([await readRun(await fakeRun(perClass(4, names)))]);
    const fewRows = few.markdown.split('**Per class, ')[1]!.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| class'));
    expect(fewRows).toEqual(['| cat | 10 | 100.00 | – |', '| dog | 10 | 90.00 | bird (10.00%) |', '| bird | 10 | 80.00 | fish (20.00%) |', '| fish | 10 | 70.00 | cat (30.00%) |']);
    const svg = Object.entries(few.svgs).find(([f]) => f.endsWith('-confusion.svg'))![1];
    expect((svg.match(/class="cell"/g) ?? []).length).toBe(16);
    expect(svg).toContain('>bird<');
    // Errors are shaded relative to the most common one (fish taken for cat, 30% of fish).
    expect(svg.match(/rgba\(214,39,40,(0\.333|0\.667|1\.000)\)/g)).toEqual(['rgba(214,39,40,0.333)', 'rgba(214,39,40,0.667)', 'rgba(214,39,40,1.000)']);
  });

  it.runIf(chromium)('renders in headless Chromium: the DOM has the tables and charts, the screenshot is drawn', async () => {
    const dir = await fakeRun(perClass(4, ['cat', 'dog', 'bird', 'fish']));
    const r = renderReport([await readRun(dir)]);
    const page = join(dir, 'report.html');
    await writeFile(page, r.html);
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'];
    const dom = spawnSync(chromium!, [...flags, '--dump-dom', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    expect((dom.stdout.match(/<table>/g) ?? []).length).toBe(4);
    expect((dom.stdout.match(/<svg[^>]*class="chart"/g) ?? []).length).toBe(6);
    expect(dom.stdout).toContain('82.32');
    expect(dom.stdout).toContain('data:image/png;base64,');
    const shot = join(dir, 'shot.png');
    const s = spawnSync(chromium!, [...flags, `--screenshot=${shot}`, '--window-size=1200,1600', `file://${page}`], { encoding: 'utf8', timeout: 60_000 });
    expect(s.status, s.stderr).toBe(0);
    const stats = await sharp(await readFile(shot)).stats();
    // A drawn page: dark text and coloured lines on white, so every channel varies.
    for (const channel of stats.channels.slice(0, 3)) expect(channel.stdev).toBeGreaterThan(5);
    expect(await readdir(dir)).toContain('shot.png');
    if (process.env.ADX_KEEP_SHOT) await writeFile(process.env.ADX_KEEP_SHOT, await readFile(shot));
  }, 120_000);
});

describe('a folder that is no run', () => {
  it('is named as such by readRun, whether missing or without config.json', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'adx-not-a-run-'));
    await expect(readRun(empty)).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining(`${empty} is not a run folder`) });
    const missing = join(empty, 'missing');
    await expect(readRun(missing)).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining(`${missing} does not exist`) });
  });
});

describe('RunDir.claimFresh', () => {
  it('gives each caller its own new folder: base, then base-2, base-3, also when called at once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adx-claim-'));
    const base = join(root, 'runs', 'fmnist-quick-2026-11-22-23-00-00');
    expect(await RunDir.claimFresh(base)).toBe(base);
    expect(await RunDir.claimFresh(base)).toBe(`${base}-2`);
    const together = join(root, 'runs', 'same-second');
    const claimed = await Promise.all([1, 2, 3, 4].map(() => RunDir.claimFresh(together)));
    expect(new Set(claimed).size).toBe(4);
    expect(claimed.sort()).toEqual([together, `${together}-2`, `${together}-3`, `${together}-4`]);
    expect(await readdir(claimed[0]!)).toEqual([]);
  });
});
