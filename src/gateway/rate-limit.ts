/** A token bucket per identity: its messages per minute, with a burst of the same size. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes `count` messages from `name`'s budget; returns 0 when allowed, else seconds to wait. */
  take(name: string, perMinute: number, count = 1, now = Date.now()): number {
    const bucket = this.buckets.get(name) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.buckets.set(name, bucket);
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return 0;
    }
    return Math.max(1, Math.ceil(((count - bucket.tokens) / perMinute) * 60));
  }
}
