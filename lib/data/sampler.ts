/**
 * Seeded sample order: each epoch is a fresh shuffle that depends only on (seed, epoch), so a run
 * can restart any epoch and see the same order.
 */

/** SplitMix64's output function: a 64-bit bijection that scatters nearby inputs. */
function mix64(x: bigint): bigint {
  let z = x;
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/**
 * SplitMix64-derived 32-bit generator seeded from two integers; small, fast, reproducible. The
 * starting state is itself mixed: were it seed·γ + ..., seed s+1's stream would be seed s's one
 * draw later, and neighbouring seeds would shuffle alike.
 */
export function seededRandom(seed: number, stream: number): () => number {
  let state = mix64(BigInt.asUintN(64, BigInt(Math.floor(seed)) * 0x9e3779b97f4a7c15n + BigInt(stream) * 0xbf58476d1ce4e5b9n));
  return () => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    return Number(mix64(state) >> 11n) / 2 ** 53;
  };
}

/** A uniformly shuffled order of 0..count-1 for `epoch` (Fisher–Yates). */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = seededRandom(seed, epoch + 1);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
