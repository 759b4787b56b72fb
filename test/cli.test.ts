import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { hasFashionMnist } from './helpers.js';

const cli = join(packageRoot, 'bin', 'adautomix.js');
const small = ['--train-limit', '640', '--test-limit', '200', '--width', '4', '--threads', '2', '--device', 'cpu'];

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

describe.runIf(hasFashionMnist)('adautomix CLI', () => {
  it('trains, writes config.json and one metrics line per epoch', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
    const run = await runCli(['train', '--preset', 'fmnist-quick', '--epochs', '2', '--method', 'mixup', ...small, '--out', out]);
    expect(run.stderr).toContain('epoch 2:');
    expect(run.code).toBe(0);
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const l of lines) {
      expect(l.top1).toBeGreaterThanOrEqual(0);
      expect(l.top1).toBeLessThanOrEqual(100);
      expect(Number.isFinite(l.loss)).toBe(true);
    }
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.method).toEqual({ name: 'mixup', alpha: 1, learned: null });
    expect(config.epochs).toBe(2);
    expect(config.resolved.device).toBe('cpu');
  });

  it('Ctrl-C stops at a step boundary and says what was kept', async () => {
    const out = await mkdtemp(join(tmpdir(), 'adx-cli-'));
    let sent = false;
    const run = await runCli(['train', '--epochs', '100', ...small, '--out', out], (text, child) => {
      if (!sent && text.includes('epoch 1:')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted after \d+ step\(s\)\. Kept: \d+ finished epoch/);
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(100);
  });

  it('rejects bad options with exit code 2 and a message in the user terms', async () => {
    const run = await runCli(['train', '--batch-size', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('batchSize must be an integer in [1, 65536], got 0 [E_CONFIG]');
    const unknown = await runCli(['train', '--bogus']);
    expect(unknown.code).toBe(2);
  });
});
