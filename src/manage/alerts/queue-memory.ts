/**
 * What the evaluator remembers of each queue between snapshots, so that durations ("no consumer
 * for 5 minutes", "no progress for 10") and trends ("grew for 15 minutes") can be told from
 * point-in-time snapshots. Every time is a snapshot's `takenAt`.
 */
import type { QueueTotals, QueueView } from '../model.js';

interface DepthSample {
  readonly at: number;
  readonly depth: number;
}

export interface QueueMemory {
  /** The previous sample of this queue; null at the first. */
  previous: { readonly at: number; readonly depth: number; readonly totals: QueueTotals | null } | null;
  /** Since when it has had messages waiting and no consumer. */
  noConsumerSince: number | null;
  /** Since when it has had consumers and messages waiting (the stretch no-progress is judged over). */
  workSince: number | null;
  /** The latest sample, or broker activity time, at which something was delivered or acked. */
  lastProgressAt: number | null;
  /** The start of the current run of samples in which the depth never fell. */
  growthRunStart: DepthSample | null;
  /** That run's samples, trimmed to the growing window plus the one sample before it. */
  growthWindow: DepthSample[];
}

export function newQueueMemory(): QueueMemory {
  return { previous: null, noConsumerSince: null, workSince: null, lastProgressAt: null, growthRunStart: null, growthWindow: [] };
}

export function depthOf(queue: QueueView): number {
  return queue.ready + queue.unacked;
}

/**
 * Whether the broker delivered or acked anything from the queue since the previous sample: from
 * the counters when both samples have them, else from `lastActivityAt`, else from the rates; null
 * when the broker cannot tell (no reading is better than a made-up stall).
 */
export function progressedSince(memory: QueueMemory, queue: QueueView): boolean | null {
  const before = memory.previous;
  if (before !== null && before.totals !== null && queue.totals !== null) {
    const now = queue.totals;
    // Counters that went down were reset (a broker restart): the queue was not sitting still.
    if (now.delivered < before.totals.delivered || now.acked < before.totals.acked) return true;
    return now.delivered > before.totals.delivered || now.acked > before.totals.acked;
  }
  if (queue.lastActivityAt !== null) return before === null ? null : queue.lastActivityAt > before.at;
  if (queue.rates.deliver !== null || queue.rates.ack !== null) {
    return (queue.rates.deliver ?? 0) + (queue.rates.ack ?? 0) > 0;
  }
  return null;
}

/**
 * Brings the memory up to the sample `queue` taken at `at`. Call once per snapshot, after the
 * readings that compare with the previous sample have been taken.
 */
export function remember(memory: QueueMemory, queue: QueueView, at: number, growingWindowMs: number): void {
  const depth = depthOf(queue);
  memory.noConsumerSince = queue.consumers === 0 && depth > 0 ? (memory.noConsumerSince ?? at) : null;

  const working = queue.consumers > 0 && depth > 0;
  if (!working) {
    memory.workSince = null;
    memory.lastProgressAt = null;
  } else {
    memory.workSince ??= at;
    const progressed = progressedSince(memory, queue);
    if (progressed === true) memory.lastProgressAt = at;
    // The broker's own activity clock is more precise than our sampling, when it has one.
    if (queue.lastActivityAt !== null) memory.lastProgressAt = Math.max(memory.lastProgressAt ?? 0, queue.lastActivityAt);
  }

  rememberGrowth(memory, { at, depth }, growingWindowMs);
  memory.previous = { at, depth, totals: queue.totals };
}

function rememberGrowth(memory: QueueMemory, sample: DepthSample, windowMs: number): void {
  const last = memory.growthWindow[memory.growthWindow.length - 1];
  if (last === undefined || sample.depth < last.depth) {
    // A fall (or the first sample) starts a new run: growth must be unbroken to count.
    memory.growthRunStart = sample;
    memory.growthWindow = [sample];
    return;
  }
  memory.growthWindow.push(sample);
  // Keep the latest sample at or before the window's start, to compare the depth across the window.
  while (memory.growthWindow.length > 1 && (memory.growthWindow[1]?.at ?? Infinity) <= sample.at - windowMs) {
    memory.growthWindow.shift();
  }
}

/** Seconds the queue has waited with no consumer, as of `at`. */
export function noConsumerSeconds(memory: QueueMemory, at: number): number {
  return memory.noConsumerSince === null ? 0 : (at - memory.noConsumerSince) / 1000;
}

/**
 * Seconds with consumers and messages waiting but nothing delivered or acked, as of `at`. The
 * stall is counted from when the work began at the earliest, so a consumer that just attached to
 * an old queue is not blamed for the quiet before it came.
 */
export function stalledSeconds(memory: QueueMemory, at: number): number {
  if (memory.workSince === null) return 0;
  const since = Math.max(memory.workSince, memory.lastProgressAt ?? 0);
  return Math.max(0, (at - since) / 1000);
}

export interface Growth {
  /** Minutes since the depth last fell. */
  readonly runMinutes: number;
  /** Depth at the start of the growing window, and now. */
  readonly from: number;
  readonly to: number;
  /** The depth never fell during the whole window and is higher at its end than at its start. */
  readonly grewAcrossWindow: boolean;
}

export function growth(memory: QueueMemory, at: number, windowMs: number): Growth | null {
  const start = memory.growthRunStart;
  const windowStart = memory.growthWindow[0];
  const latest = memory.growthWindow[memory.growthWindow.length - 1];
  if (start === null || windowStart === undefined || latest === undefined) return null;
  const runMs = at - start.at;
  return {
    runMinutes: runMs / 60_000,
    from: windowStart.depth,
    to: latest.depth,
    grewAcrossWindow: runMs >= windowMs && windowStart.at <= at - windowMs && latest.depth > windowStart.depth,
  };
}

/** Redeliveries per second: the broker's rate, or the counters' change since the previous sample. */
export function redeliveryRate(memory: QueueMemory, queue: QueueView, at: number): number | null {
  if (queue.rates.redeliver !== null) return queue.rates.redeliver;
  const before = memory.previous;
  if (before === null || before.totals === null || queue.totals === null || at <= before.at) return null;
  const delta = queue.totals.redelivered - before.totals.redelivered;
  return delta < 0 ? null : delta / ((at - before.at) / 1000);
}
