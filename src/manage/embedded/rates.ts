/**
 * Per-second rates from counters sampled at each snapshot: the difference from the previous sample
 * over the time between them. The first sample, and a counter that went backwards (its queue was
 * deleted and declared again), give null rather than a made-up figure.
 */
export class RateSampler {
  private previous = new Map<string, { readonly at: number; readonly value: number }>();
  private current = new Map<string, { readonly at: number; readonly value: number }>();

  /** Starts a snapshot taken at `now`; counters not sampled in it are forgotten. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  rate(key: string, value: number, now: number): number | null {
    this.current.set(key, { at: now, value });
    const before = this.previous.get(key);
    if (!before || now <= before.at || value < before.value) return null;
    return ((value - before.value) * 1000) / (now - before.at);
  }
}
