/**
 * The zoo against torchvision 0.14 (Debian's python3-torchvision) given the same weights: eval-mode
 * logits agree within 1e-4 of their scale, and parameter counts are equal. ImageNet variants run
 * at 224²; CIFAR variants at 32² against torchvision with the CIFAR stem swapped in, WRN-28-8
 * and PreAct ResNet-18 against our plain PyTorch modules (benchmarks/reference/zoo_reference.py). Loading the state dict
 * as torchvision writes it (integer buffers as I64) also proves the parameter names.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../lib/io/safetensors.js';
import { hasReferenceTorch, runReference } from './reference.js';
import { maxAbs, maxAbsDiff, zooTrainer } from './zoo.js';

const hasTorchvision = hasReferenceTorch && (() => {
  try {
    runReference('zoo_reference.py', ['--help']);
    return true;
  } catch {
    return false;
  }
})();

const cases: Array<{ arch: string; size: number; batch: number; classes: number }> = [
  { arch: 'resnet18', size: 224, batch: 2, classes: 1000 },
  { arch: 'resnet50', size: 224, batch: 2, classes: 1000 },
  { arch: 'resnext50_32x4d', size: 224, batch: 2, classes: 1000 },
  { arch: 'swin_t', size: 224, batch: 2, classes: 1000 },
  { arch: 'convnext_tiny', size: 224, batch: 2, classes: 1000 },
  { arch: 'resnet18_cifar', size: 32, batch: 4, classes: 100 },
  { arch: 'resnext50_32x4d_cifar', size: 32, batch: 4, classes: 100 },
  { arch: 'convnext_tiny_cifar', size: 32, batch: 4, classes: 100 },
  { arch: 'wrn28_8', size: 32, batch: 4, classes: 100 },
  { arch: 'preactresnet18', size: 32, batch: 4, classes: 100 },
];

describe.runIf(hasTorchvision)('model zoo parity with torchvision', () => {
  it.each(cases)('$arch at $size²', async ({ arch, size, batch, classes }) => {
    const dir = await mkdtemp(join(tmpdir(), `adx-zoo-${arch}-`));
    try {
      const reference = JSON.parse(
        runReference('zoo_reference.py', ['--arch', arch, '--out', dir, '--size', `${size}`, '--batch', `${batch}`, '--classes', `${classes}`]),
      ) as { parameters: number };
      const trainer = zooTrainer({ arch, inChannels: 3, numClasses: classes, imageSize: size });
      try {
        const info = await trainer.init();
        expect(info.parameters).toBe(reference.parameters);
        const report = await trainer.loadPretrained(await readSafetensors(join(dir, 'weights.safetensors')), false);
        expect(report.skipped).toEqual([]);
        expect(report.defaulted).toEqual([]);
        const io = await readSafetensors(join(dir, 'io.safetensors'));
        const ours = (await trainer.forward(io.input!, false)).heads.head!;
        expect(ours.shape).toEqual([batch, classes]);
        const diff = maxAbsDiff(ours.values, io.logits!.values);
        if (process.env.ADX_DEBUG) console.log(arch, 'max |Δlogit|', diff, 'scale', maxAbs(io.logits!.values));
        expect(diff).toBeLessThanOrEqual(1e-4 * maxAbs(io.logits!.values));
      } finally {
        await trainer.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
