/**
 * Running a simulation into a sink (the bus, or stdout): paced by a token bucket, sends pipelined
 * with a bounded number awaiting confirmation, progress reported every few seconds, and a clean
 * stop — on the count, the duration, an abort signal, or the first failed send — that waits for the
 * sends in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_NAMES } from './apps.js';
import type { SimulatedMessage, Simulator } from './simulator.js';
import type { AppName } from './story.js';
import { TokenBucket } from './token-bucket.js';

export interface SimulationSink {
  /** Sends one message: done when it returns, or when its promise resolves (confirmed, written). */
  send(message: SimulatedMessage): Promise<void> | void;
}

export interface RunOptions {
  /** Messages a second; 0 sends as fast as the sink confirms. */
  readonly rate: number;
  /** False: no pacing, and `durationMs` is simulated time (rate × duration messages). Default true. */
  readonly paced?: boolean;
  readonly count?: number;
  readonly durationMs?: number;
  /** Sends awaiting confirmation at once. Default 256. */
  readonly window?: number;
  readonly signal?: AbortSignal;
  /** How often `onProgress` is called; 0 never. Default 5000. */
  readonly progressEveryMs?: number;
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  /** Messages confirmed (or written). */
  readonly sent: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
  readonly perApp: Readonly<Record<AppName, number>>;
  /** Confirmed since the previous report, and how long ago that was. */
  readonly recentSent: number;
  readonly recentMs: number;
}

export interface RunSummary extends Progress {
  readonly stoppedBy: 'count' | 'duration' | 'signal' | 'failure';
  /** The first failed send, when one failed. */
  readonly error?: unknown;
}

export const DEFAULT_WINDOW = 256;

export async function runSimulation(simulator: Simulator, sink: SimulationSink, options: RunOptions): Promise<RunSummary> {
  const paced = options.paced !== false;
  const { rate, signal } = options;
  const window = Math.max(1, options.window ?? DEFAULT_WINDOW);
  const started = performance.now();
  const limit = options.count ?? (!paced && options.durationMs !== undefined ? Math.round((rate * options.durationMs) / 1000) : Infinity);
  const deadline = paced && options.durationMs !== undefined ? started + options.durationMs : Infinity;
  const bucket = paced && rate > 0 ? new TokenBucket(rate) : undefined;
  const perApp = Object.fromEntries(APP_NAMES.map((name) => [name, 0])) as Record<AppName, number>;
  const inFlight = new Set<Promise<void>>();
  let made = 0;
  let sent = 0;
  let failed = false;
  let error: unknown;
  let lastReport = { at: started, sent: 0 };

  const progress = (): Progress => {
    const now = performance.now();
    const report = { sent, inFlight: inFlight.size, elapsedMs: now - started, perApp: { ...perApp }, recentSent: sent - lastReport.sent, recentMs: now - lastReport.at };
    lastReport = { at: now, sent };
    return report;
  };
  const every = options.progressEveryMs ?? 5000;
  const timer = every > 0 && options.onProgress ? setInterval(() => options.onProgress!(progress()), every) : undefined;
  timer?.unref();

  const confirmed = (message: SimulatedMessage): void => {
    sent++;
    perApp[message.app]++;
  };

  try {
    while (made < limit && !failed && !signal?.aborted) {
      if (performance.now() >= deadline) break;
      if (inFlight.size >= window) {
        await Promise.race(inFlight);
        continue;
      }
      const wait = bucket?.take() ?? 0;
      if (wait > 0) {
        await sleep(Math.max(1, Math.min(wait, deadline - performance.now())), undefined, { signal }).catch(() => undefined);
        continue;
      }
      const message = simulator.next();
      made++;
      let sending: Promise<void> | void;
      try {
        sending = sink.send(message);
      } catch (thrown) {
        failed = true;
        error = thrown;
        break;
      }
      if (!sending) {
        confirmed(message);
        continue;
      }
      const tracked: Promise<void> = sending
        .then(
          () => confirmed(message),
          (thrown: unknown) => {
            if (!failed) error = thrown;
            failed = true;
          },
        )
        .finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
  } finally {
    if (timer) clearInterval(timer);
  }
  const stoppedBy = failed ? 'failure' : made >= limit ? 'count' : signal?.aborted ? 'signal' : 'duration';
  return { ...progress(), stoppedBy, ...(failed ? { error } : {}) };
}
