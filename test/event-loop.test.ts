import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../lib/index.js';
import { bandSplits, testDevice } from './helpers.js';

describe('event loop', () => {
  it('stays responsive while training steps run: p99 delay under half a step (at most 50 ms)', async () => {
    // A step that blocked the JS thread would put its own duration into the histogram, so the
    // limit is half the longest step. The steps must be long enough to tell apart from timer noise:
    // width 32 at 32x32 is far longer than 50 ms on the CPU; a GPU gets a wider, larger batch.
    const onCuda = testDevice !== 'cpu';
    const batchSize = onCuda ? 512 : 64;
    const trainer = await createTrainer(
      { model: { baseWidth: onCuda ? 64 : 32 }, batchSize, epochs: 1, threads: 2, device: testDevice },
      { data: bandSplits(batchSize * 6, 16, 32) },
    );
    const histogram = monitorEventLoopDelay({ resolution: 2 });
    let stepSeconds = 0;
    histogram.enable();
    await trainer.fit({ onProgress: (p) => void (stepSeconds = Math.max(stepSeconds, p.imgPerSec > 0 ? batchSize / p.imgPerSec : 0)) });
    histogram.disable();
    await trainer.dispose();
    expect(stepSeconds).toBeGreaterThan(0.02);
    const p99ms = histogram.percentile(99) / 1e6;
    expect(p99ms).toBeLessThan(Math.min(50, (stepSeconds * 1000) / 2));
  });
});
