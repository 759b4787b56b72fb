import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { holdoutIndices } from '../lib/data/holdout.js';
import { FASHION_MNIST_CLASSES, listModels, loadFashionMnist, presets } from '../lib/index.js';
import { packageRoot } from '../lib/native.js';
import { readBestRecord } from '../lib/train/best-weights.js';
import { readSafetensors, readSafetensorsMetadata } from '../lib/io/safetensors.js';
import { hasFashionMnist, testDevice } from './helpers.js';

const cli = join(packageRoot, 'bin', 'adautomix.js');
const small = ['--train-limit', '640', '--test-limit', '200', '--width', '4', '--threads', '2', '--device', testDevice];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` may act on the process (e.g. interrupt it) as output arrives. */
function runCli(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: packageRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A 3-epoch run sent `signal` once its first epoch is done. */
async function interruptedRun(signal: NodeJS.Signals): Promise<{ out: string; run: Run }> {
  const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
  let sent = false;
  const run = await runCli(['train', '--epochs', '3', ...small, '--out', out], (text, child) => {
    if (!sent && text.includes('epoch 1:')) {
      sent = true;
      child.kill(signal);
    }
  });
  expect(sent).toBe(true);
  return { out, run };
}

describe.runIf(hasFashionMnist)('adautomix CLI', () => {
  it('trains, writes config.json and one metrics line per epoch', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
    const run = await runCli(['train', '--preset', 'fmnist-quick', '--epochs', '2', '--method', 'mixup', ...small, '--log-every', '2', '--no-best', '--out', out]);
    expect(run.stderr).toContain('epoch 2:');
    expect(run.code).toBe(0);
    const records = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    // 640 images in batches of 128: 5 steps an epoch, a step line every 2nd of the 10.
    expect(records.filter((l) => l.kind === 'step').map((l) => l.globalStep)).toEqual([2, 4, 6, 8, 10]);
    const lines = records.filter((l) => l.kind === 'epoch');
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect((await readdir(join(out, 'tensorboard')))[0]).toMatch(/^events\.out\.tfevents\./);
    for (const l of lines) {
      expect(l.top1).toBeGreaterThanOrEqual(0);
      expect(l.top1).toBeLessThanOrEqual(100);
      expect(Number.isFinite(l.loss)).toBe(true);
    }
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.method).toMatchObject({ name: 'mixup', alpha: 1, learned: null, modes: [{ name: 'mixup', alpha: 1, probability: 1 }] });
    expect(config.epochs).toBe(2);
    expect(config.resolved.device).toBe(testDevice === 'cuda' ? 'cuda:0' : testDevice);
    expect(config.resolved.speed).toEqual({ precision: 'fp32', channelsLast: false, cudnnBenchmark: false, pinnedMemory: false, deviceAugment: false, multiTensor: true, cudaGraphs: false, gpuOnly: false, tf32: testDevice === 'cpu' ? 'off' : 'convolutions' });
    expect(config.speed.tf32).toBe('convolutions');
    // --no-best: no best.safetensors, and eval says why it cannot take one.
    expect(config.checkpoint).toEqual({ every: 1, keep: 2, best: false });
    expect(await readdir(out)).not.toContain('best.safetensors');
    expect(run.stderr).not.toContain('best weights');
    const noBest = await runCli(['eval', '--run', out, '--weights', 'best']);
    expect(noBest.code).toBe(1);
    expect(noBest.stderr).toContain(`${out} has no best.safetensors: the run was trained with --no-best`);
    const badWeights = await runCli(['eval', '--run', out, '--weights', 'newest']);
    expect(badWeights.code).toBe(2);
    expect(badWeights.stderr).toContain("weights must be 'last' or 'best', got 'newest' [E_CONFIG]");

    // A second fresh run into the same folder is refused before any work, and the first run's files stay.
    const metrics = await readFile(join(out, 'metrics.jsonl'), 'utf8');
    const again = await runCli(['train', '--epochs', '1', ...small, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} already holds a run (config.json, metrics.jsonl, checkpoints): continue it with 'adautomix train --resume ${out}'`);
    expect(await readFile(join(out, 'metrics.jsonl'), 'utf8')).toBe(metrics);
  });

  it('Ctrl-C stops at a step boundary with a checkpoint, and --resume finishes the run', async () => {
    const { out, run } = await interruptedRun('SIGINT');
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted after \d+ step\(s\)\. Kept: \d+ finished epoch/);
    expect(run.stderr).toContain(`continue with: adautomix train --resume ${out}`);
    const before = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').filter((l) => l.includes('"kind":"epoch"'));
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(3);

    const refused = await runCli(['train', '--resume', out, '--lr', '0.5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--resume continues the run with its own settings, so --lr cannot change it');

    const resumed = await runCli(['train', '--resume', out, '--threads', '1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/continuing at epoch \d, step \d+ of \d+/);
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.kind === 'epoch');
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
  });

  it('SIGTERM (a scheduler, docker stop) stops like Ctrl-C: a checkpoint at the step boundary, exit 143', async () => {
    const { out, run } = await interruptedRun('SIGTERM');
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toContain('SIGTERM: stopping at the next step boundary with a checkpoint');
    expect(run.stderr).toContain(`continue with: adautomix train --resume ${out}`);
    const checkpoints = await readdir(join(out, 'checkpoints'));
    expect(checkpoints.some((c) => c.startsWith('step-'))).toBe(true);

    // Continued into a new folder: its metrics.jsonl starts with the epochs the interrupted run
    // finished and goes on from there; a folder holding another run is refused.
    const finished = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).split('\n').filter((l) => l.includes('"kind":"epoch"'));
    expect(finished.length).toBeLessThan(3);
    const elsewhere = join(await mkdtemp(join(tmpdir(), 'adx-cli-')), 'continued');
    const other = await runCli(['train', '--resume', out, '--out', elsewhere]);
    expect(other.code, other.stderr).toBe(0);
    const epochs = (await readFile(join(elsewhere, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.kind === 'epoch');
    expect(epochs.map((l) => l.epoch)).toEqual([1, 2, 3]);
    // best.safetensors came along and was compared against: it is the first epoch with the
    // highest top-1 of all three, those before the interruption included.
    const top1s = epochs.map((l) => l.top1);
    const bestEpoch = top1s.indexOf(Math.max(...top1s)) + 1;
    expect(await readBestRecord(join(elsewhere, 'best.safetensors'))).toMatchObject({ epoch: bestEpoch, top1: top1s[bestEpoch - 1], split: 'test' });
    expect(other.stderr).toContain(`best weights: epoch ${bestEpoch}, test top-1 ${top1s[bestEpoch - 1].toFixed(2)}% (head) during training, in ${join(elsewhere, 'best.safetensors')}`);
    const clash = await runCli(['train', '--resume', out, '--out', elsewhere]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain(`${elsewhere} already holds a run`);
  });

  it('trains AdAutoMix, saves its weights, and draws its masks with samples --run', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
    const run = await runCli(['train', '--method', 'adautomix', '--epochs', '1', ...small, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('(head one_k)');
    expect(run.stderr).toMatch(/reported top-1, OpenMixup procedure over epochs 1-1: [\d.]+% \(q heads [\d.]+\); median of the last 10 epochs: mix_k/);
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.kind === 'epoch');
    expect(Object.keys(metrics.heads).sort()).toEqual(['mix_k', 'mix_q', 'one_k', 'one_q']);
    // Output files go into folders that do not exist yet: they are created, as train --out's is.
    const samples = await runCli(['samples', '--run', out, '--count', '5', '--png', join(out, 'pictures', 'samples.png')]);
    expect(samples.code, samples.stderr).toBe(0);
    const png = await readFile(join(out, 'pictures', 'samples.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // 5 columns of 28·3 px cells plus 2 px gaps; 3 sources, 3 masks and the mixed row.
    expect(png.readUInt32BE(16)).toBe(5 * 84 + 6 * 2);
    expect(png.readUInt32BE(20)).toBe(7 * 84 + 8 * 2);
    // One epoch: the best epoch is the last, so --weights best draws the same picture.
    const fromBest = await runCli(['samples', '--run', out, '--weights', 'best', '--count', '5', '--png', join(out, 'pictures', 'best.png')]);
    expect(fromBest.code, fromBest.stderr).toBe(0);
    expect((await readFile(join(out, 'pictures', 'best.png'))).equals(png)).toBe(true);

    const evaluated = await runCli(['eval', '--run', out, '--limit', '100', '--threads', '2']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
    expect(report.count).toBe(100);
    expect(Object.keys(report.heads).sort()).toEqual(['mix_k', 'mix_q', 'one_k', 'one_q']);
    expect(report.heads.one_k.bins).toHaveLength(15);
    expect(report.fgsm).toMatchObject({ head: 'one_k', mode: 'pixel' });
    expect(report.fgsm.top1).toBeLessThanOrEqual(100);

    const robust = await runCli(['eval', '--run', out, '--limit', '20', '--no-fgsm', '--corruptions', 'contrast,pixelate', '--severities', '2', '--occlusion', '--cam', '7,3,11,0', '--out', join(out, 'more', 'robust.json')]);
    expect(robust.code, robust.stderr).toBe(0);
    const r = JSON.parse(await readFile(join(out, 'more', 'robust.json'), 'utf8'));
    expect(Object.keys(r.corruptions.perType)).toEqual(['contrast', 'pixelate']);
    expect(Object.keys(r.corruptions.perType.contrast)).toEqual(['2']);
    expect(r.occlusion.points).toHaveLength(11);
    expect(r.fgsm).toBeNull();
    const cam = await readFile(join(out, 'cam.png'));
    expect(cam.readUInt32BE(16)).toBe(4 * 28 + 5 * 2); // 4 chosen test images of 28², one column each
    const wrong = await runCli(['eval', '--run', out, '--corruptions', 'fog']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown corruption 'fog'");

    // export: the EMA network by default, another head on request; names as torchvision's (test/export.test.ts).
    const exported = await runCli(['export', '--run', out, '--weights', 'best']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`wrote ${join(out, 'torchvision-best.safetensors')}: resnet18_cifar (width 4) with head one_k as its classifier`);
    const online = await runCli(['export', '--run', out, '--head', 'mix_q', '--out', join(out, 'export', 'online.safetensors')]);
    expect(online.code, online.stderr).toBe(0);
    const network = JSON.parse((await readSafetensorsMetadata(join(out, 'export', 'online.safetensors')))['adautomix.network']!);
    expect(network).toMatchObject({ arch: 'resnet18_cifar', inputShape: [28, 28, 1], classes: 10, classNames: FASHION_MNIST_CLASSES, head: 'mix_q', weights: 'last' });
    const tensors = await readSafetensors(join(out, 'export', 'online.safetensors'));
    expect(tensors['fc.weight']!.values).toEqual((await readSafetensors(join(out, 'weights.safetensors')))['head_mix_q.fc.weight']!.values);
    const noHead = await runCli(['export', '--run', out, '--head', 'head']);
    expect(noHead.code).toBe(2);
    expect(noHead.stderr).toContain("unknown head 'head'; this network's heads: mix_k, one_k, mix_q, one_q [E_CONFIG]");

    const reported = await runCli(['report', out, '--out', join(out, 'report')]);
    expect(reported.code, reported.stderr).toBe(0);
    expect(await readFile(join(out, 'report', 'report.html'), 'utf8')).toContain('<html');

    // predict: files and a folder (searched at any depth), decoded to the run's 28x28 grey input.
    const photos = join(out, 'photos');
    await mkdir(join(photos, 'more'), { recursive: true });
    await sharp({ create: { width: 28, height: 28, channels: 3, background: '#808080' } }).png().toFile(join(photos, 'grey.png'));
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#203040' } }).jpeg().toFile(join(photos, 'more', 'dark.jpg'));
    const predicted = await runCli(['predict', '--run', out, '--top', '3', '--json', photos]);
    expect(predicted.code, predicted.stderr).toBe(0);
    const predictions = JSON.parse(predicted.stdout);
    expect(predictions.map((p: { path: string }) => p.path)).toEqual([join(photos, 'grey.png'), join(photos, 'more', 'dark.jpg')]);
    for (const p of predictions) {
      expect(p.top).toHaveLength(3);
      expect(p.name).toBe(FASHION_MNIST_CLASSES[p.label]);
      expect(p.top[0]).toEqual({ label: p.label, name: p.name, probability: p.probability });
    }
    const byBest = await runCli(['predict', '--run', out, '--weights', 'best', '--top', '3', '--json', photos]);
    expect(byBest.code, byBest.stderr).toBe(0);
    expect(JSON.parse(byBest.stdout)).toEqual(predictions);
    const lines = await runCli(['predict', '--run', out, '--top', '2', join(photos, 'grey.png')]);
    expect(lines.stdout.trim().startsWith(`${join(photos, 'grey.png')}: `)).toBe(true);
    expect(lines.stdout.trim()).toMatch(/: [\w/ -]+ [\d.]+%, [\w/ -]+ [\d.]+%$/);
    const missing = await runCli(['predict', '--run', out, join(photos, 'none.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('none.png does not exist [E_DATA]');
  });

  it('--val-split evaluates on held-out training images; eval takes that split or, with --split test, the test split', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
    const run = await runCli(['train', '--epochs', '1', ...small, '--val-split', '0.1', '--val-seed', '2', '--no-tensorboard', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('adautomix: evaluating on 200 held-out images');
    expect(run.stderr).toMatch(/epoch 1: val top-1 [\d.]+%/);
    expect(run.stderr).toContain('final val top-1');
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.dataset.validation).toEqual({ share: 0.1, seed: 2 });
    // The limits apply after the split: 640 of the 54,000 kept images, 200 of the 6,000 held out.
    expect([config.resolved.trainSamples, config.resolved.testSamples]).toEqual([640, 200]);
    const epoch = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.kind === 'epoch');

    // eval's default is the split the epochs reported: the same 200 images give the same top-1.
    const own = await runCli(['eval', '--run', out, '--no-fgsm', '--threads', '2']);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).toContain('(validation split)');
    const validation = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
    expect(validation).toMatchObject({ split: 'validation', count: 200 });
    expect(validation.heads[epoch.head].top1).toBeCloseTo(epoch.top1, 6);
    // The best epoch, chosen on the validation split, measured on the test split: eval-best.json.
    expect(run.stderr).toContain(`best weights: epoch 1, val top-1 ${epoch.top1.toFixed(2)}% (head) during training`);
    const best = await runCli(['eval', '--run', out, '--weights', 'best', '--split', 'test', '--no-fgsm', '--threads', '2']);
    expect(best.code, best.stderr).toBe(0);
    expect(best.stderr).toContain(`adautomix: best weights: epoch 1, val top-1 ${epoch.top1.toFixed(2)}%`);
    const bestReport = JSON.parse(await readFile(join(out, 'eval-best.json'), 'utf8'));
    expect(bestReport).toMatchObject({ split: 'test', weights: join(out, 'best.safetensors'), best: { epoch: 1, split: 'validation', top1: epoch.top1 } });
    const test = await runCli(['eval', '--run', out, '--split', 'test', '--no-fgsm', '--threads', '2', '--out', join(out, 'test.json')]);
    expect(test.code, test.stderr).toBe(0);
    const tested = JSON.parse(await readFile(join(out, 'test.json'), 'utf8'));
    expect(tested).toMatchObject({ split: 'test', count: 200 });
    expect(bestReport.heads).toEqual(tested.heads); // one epoch: best and last are the same weights
    // Which images: the per-class counts are those of the first 200 labels of each split.
    const classCounts = (labels: Int32Array) => Array.from({ length: 10 }, (_, k) => labels.subarray(0, 200).filter((l) => l === k).length);
    const fashion = await loadFashionMnist();
    const heldOut = holdoutIndices(fashion.train.labels, { share: 0.1, seed: 2 }).validation;
    expect(validation.perClass.classes.map((c: { count: number }) => c.count)).toEqual(classCounts(Int32Array.from(heldOut, (i) => fashion.train.labels[i]!)));
    expect(tested.perClass.classes.map((c: { count: number }) => c.count)).toEqual(classCounts(fashion.test.labels));
    const wrong = await runCli(['eval', '--run', out, '--split', 'train']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--split must be validation or test, got 'train'");

    // A plain folder of class folders trains with a validation split; it has no test split to evaluate.
    const photos = join(out, 'photos');
    for (const [k, name] of ['ant', 'bee', 'cow'].entries()) {
      await mkdir(join(photos, name), { recursive: true });
      for (let i = 0; i < 4; i++) await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: 80 * k, g: 20 * i, b: 40 } } }).png().toFile(join(photos, name, `${i}.png`));
    }
    const folderRun = join(out, 'folder-run');
    const trained = await runCli(['train', '--dataset', 'image-folder', '--data', photos, '--store-size', '8', '--val-split', '0.25', '--batch-size', '4', '--width', '4', '--threads', '2', '--no-tensorboard', '--out', folderRun]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toContain('adautomix: evaluating on 3 held-out images');
    const noTest = await runCli(['eval', '--run', folderRun, '--split', 'test', '--no-fgsm']);
    expect(noTest.code).toBe(1);
    expect(noTest.stderr).toContain("--split test needs the dataset's own test split:");
  });

  it('rejects bad options with exit code 2 and a message in the user terms', async () => {
    const run = await runCli(['train', '--batch-size', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('batchSize must be an integer in [1, 65536], got 0 [E_CONFIG]');
    const unknown = await runCli(['train', '--bogus']);
    expect(unknown.code).toBe(2);
    // The help after an unknown flag is the command's own.
    const predictFlag = await runCli(['predict', '--bogus']);
    expect(predictFlag.code).toBe(2);
    expect(predictFlag.stderr).toContain('Usage: adautomix predict');
  });
});

describe('adautomix info', () => {
  it('prints the version, the build and the threads train uses by default', async () => {
    const run = await runCli(['info']);
    expect(run.code).toBe(0);
    const info = JSON.parse(run.stdout);
    const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8'));
    expect(info.version).toBe(pkg.version);
    expect(info.torchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.trainThreads).toBe(availableParallelism());
    expect(info.defaultThreads).toBeGreaterThanOrEqual(1);
  });
});

describe('adautomix presets and models', () => {
  it('list for people and, with --json, for scripts; --published keeps the published runs', async () => {
    const run = await runCli(['presets', '--published', '--json', 'cifar100', 'adautomix']);
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout) as { name: string; published: { top1: number; source: string } | null; config: { method?: unknown } }[];
    const expected = Object.entries(presets).filter(([name, p]) => name.includes('cifar100') && name.includes('adautomix') && p.published);
    expect(rows.map((r) => r.name)).toEqual(expected.map(([name]) => name));
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.find((r) => r.name === 'cifar100-r18-adautomix-800e')!.published!.top1).toBe(82.32);
    const people = await runCli(['presets', '--published', 'tiny-r18-adautomix']);
    expect(people.stdout).toContain('published top-1 69.19%');
    expect((await runCli(['presets', 'fmnist-quick'])).stdout).not.toContain('published top-1');
    expect((await runCli(['presets', '--published', 'fmnist'])).stdout.trim()).toBe("no published-run preset name holds 'fmnist'");

    const models = await runCli(['models', '--json']);
    expect((JSON.parse(models.stdout) as { name: string }[]).map((m) => m.name)).toEqual(listModels().map((m) => m.name));
    for (const command of ['presets', 'models']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: adautomix ${command}`);
      const wrong = await runCli([command, '--bogus']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`Usage: adautomix ${command}`);
    }
  });
});
