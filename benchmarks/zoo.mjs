#!/usr/bin/env node
// Training-step speed of every backbone in the zoo against torchvision's model of the same name,
// on the same machine and threads, in one run (issue: backbone zoo). Each (backbone, side) runs in
// its own child process through benchmarks/step.mjs (vanilla SGD step: crop + flip + normalise,
// forward, cross-entropy, backward, SGD with momentum and weight decay), one after the other.
// CIFAR variants: batch 100, 3x32x32, 100 classes. ImageNet variants: batch 32, 3x224x224, 1000
// classes. Prints a Markdown table and, with --json, one JSON line per backbone.
//
//   node benchmarks/zoo.mjs [--only resnet18,swin_t] [--steps 3] [--warmup 1] [--threads N] [--json]
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

// The registry's names and stems (lib/models/zoo.ts); kept literal so this script needs no build.
const CIFAR = ['resnet18_cifar', 'resnet34_cifar', 'resnet50_cifar', 'resnet101_cifar', 'resnext50_32x4d_cifar', 'wrn28_8', 'convnext_tiny_cifar'];
const IMAGENET = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnext50_32x4d', 'swin_t', 'convnext_tiny'];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    json: { type: 'boolean', default: false },
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;

function run(args) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(process.execPath, [path.join(here, 'step.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const rows = [];
for (const arch of [...CIFAR, ...IMAGENET]) {
  if (only && !only.has(arch)) continue;
  const cifar = CIFAR.includes(arch);
  const shape = cifar ? ['--batch', '100', '--size', '32', '--classes', '100'] : ['--batch', '32', '--size', '224', '--classes', '1000'];
  const r = await run(['--arch', arch, '--torchvision', '--json', ...shape, '--steps', values.steps, '--warmup', values.warmup, '--threads', values.threads]);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.code !== 0 || !line) {
    process.stderr.write(`zoo.mjs: ${arch} failed (${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}\n`);
    rows.push({ arch, failed: true });
    continue;
  }
  const report = JSON.parse(line);
  rows.push(report);
  if (values.json) process.stdout.write(`${line}\n`);
  else process.stderr.write(`${arch}: ${report.img_per_s.toFixed(2)} img/s, torchvision ${report.reference?.img_per_s?.toFixed(2)}\n`);
}

const fmt = (x, d) => (x == null ? '-' : x.toFixed(d));
console.log('| backbone | batch × input | ours img/s | torchvision img/s | ratio | ours peak RSS MB | torchvision peak RSS MB |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.failed) {
    console.log(`| ${r.arch} | failed | | | | | |`);
    continue;
  }
  console.log(
    `| ${r.arch} | ${r.batch} × ${r.channels}x${r.size}x${r.size} | ${fmt(r.img_per_s, 2)} | ${fmt(r.reference?.img_per_s, 2)} | ` +
      `${fmt(r.ratio, 3)} | ${fmt(r.peak_rss_mb, 0)} | ${fmt(r.reference?.peak_rss_mb, 0)} |`,
  );
}
