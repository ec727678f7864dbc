/**
 * Pacing at a steady rate: tokens accrue at `rate` a second up to `capacity`, one per message. A
 * small capacity keeps bursts short (a twentieth of a second's worth), so the rate holds over any
 * second, not just on average.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly capacity = Math.max(1, Math.ceil(rate / 20)),
    now = performance.now(),
  ) {
    this.tokens = 1;
    this.last = now;
  }

  /** Takes a token when one is there (0), or says how many milliseconds until one will be. */
  take(now = performance.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return ((1 - this.tokens) * 1000) / this.rate;
  }
}
