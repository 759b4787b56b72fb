import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../lib/index.js';
import { bandSplits, testDevice } from './helpers.js';

describe('event loop', () => {
  it('stays responsive (p99 delay < 50 ms) while training steps run', async () => {
    // Steps of a real size (width 32, 32x32 images) take far longer than 50 ms each on this
    // machine, so a step that blocked the JS thread would show up in the histogram.
    const trainer = await createTrainer(
      { model: { baseWidth: 32 }, batchSize: 64, epochs: 1, threads: 2, device: testDevice },
      { data: bandSplits(64 * 6, 16, 32) },
    );
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    let stepSeconds = 0;
    histogram.enable();
    await trainer.fit({ onProgress: (p) => void (stepSeconds = Math.max(stepSeconds, p.imgPerSec > 0 ? 64 / p.imgPerSec : 0)) });
    histogram.disable();
    await trainer.dispose();
    expect(stepSeconds).toBeGreaterThan(0.05);
    const p99ms = histogram.percentile(99) / 1e6;
    expect(p99ms).toBeLessThan(50);
  });
});
