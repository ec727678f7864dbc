/**
 * When to try a failed send again: doubling from 15 s up to an hour, with jitter so that a peer
 * that comes back is not hit by every queued job at once; given up (dead-lettered with the reason)
 * once a job has waited MAX_DELIVERY_AGE_MS, long enough to ride out a weekend's outage.
 */
export const FIRST_RETRY_MS = 15_000;
export const MAX_RETRY_MS = 60 * 60_000;
export const MAX_DELIVERY_AGE_MS = 3 * 24 * 60 * 60_000;

/** The wait before attempt `attempts + 1`; a peer's own Retry-After wins when it asks for longer. */
export function retryDelay(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential * (0.75 + random() * 0.5);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
