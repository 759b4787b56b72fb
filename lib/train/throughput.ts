/** Images per second over a sliding window of recent steps, for progress and ETA. */
export class Throughput {
  private readonly times: number[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly window = 20) {}

  record(now: number, images: number): void {
    this.times.push(now);
    this.counts.push(images);
    if (this.times.length > this.window + 1) {
      this.times.shift();
      this.counts.shift();
    }
  }

  /** Images per second between the oldest and newest record (0 until two records exist). */
  rate(): number {
    if (this.times.length < 2) return 0;
    const seconds = (this.times[this.times.length - 1]! - this.times[0]!) / 1000;
    const images = this.counts.slice(1).reduce((a, b) => a + b, 0);
    return seconds > 0 ? images / seconds : 0;
  }
}
