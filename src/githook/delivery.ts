/**
 * Sending the spool: in order, one confirmed publish at a time (a later message never overtakes an
 * earlier one that failed), each with the id it was spooled with, so a resend after a lost
 * confirmation is the same message (the archive keeps one copy per id). The whole delivery —
 * connecting included — has one time budget: a push never waits longer than that for the bus.
 */
import type { Bus } from '../bus/index.js';
import { TidingsError, type Message, type ParsedMessage } from '../message/index.js';
import type { Spool } from './spool.js';

/** Failures that sending again cannot cure: the message is set aside instead of blocking the rest. */
const PERMANENT = new Set(['MESSAGE_INVALID', 'MESSAGE_MALFORMED', 'TOPIC_INVALID', 'MESSAGE_TOO_LARGE']);

export class DeliveryTimeoutError extends TidingsError {
  readonly code = 'PUBLISH_TIMEOUT';
}

export class SpoolBusyError extends TidingsError {
  readonly code = 'SPOOL_BUSY';
}

export interface DeliveryOptions {
  /** Connects to the bus; given the milliseconds left for it. */
  readonly connect: (timeoutMs: number) => Promise<Bus>;
  /** Milliseconds for everything: waiting for the lock, connecting, every publish. */
  readonly budgetMs: number;
}

export interface DeliveryReport {
  readonly sent: number;
  readonly rejected: ReadonlyArray<{ readonly entry: string; readonly reason: string }>;
  /** Entries still in the spool. */
  readonly left: number;
  /** Why delivery stopped early; null when the spool was emptied. */
  readonly error: Error | null;
}

export async function deliverSpool(spool: Spool, options: DeliveryOptions): Promise<DeliveryReport> {
  const deadline = Date.now() + options.budgetMs;
  const remaining = (): number => deadline - Date.now();
  const rejected: Array<{ entry: string; reason: string }> = [];
  let sent = 0;
  if (spool.entries().length === 0) return { sent, rejected, left: 0, error: null };

  const lock = await spool.lock(Math.max(0, Math.min(remaining(), 5_000)));
  if (lock === null) {
    const error = new SpoolBusyError(`another delivery holds ${spool.dir}/lock: it will send these messages`);
    return { sent, rejected, left: spool.entries().length, error };
  }
  let bus: Bus | undefined;
  let error: Error | null = null;
  try {
    bus = await withDeadline(options.connect(Math.max(1, remaining())), remaining(), 'connecting to the bus', (late) => void late.close());
    // Listed again after each pass: a hook that could not take the lock may have added entries meanwhile.
    for (let entries = spool.entries(); entries.length > 0 && error === null; entries = spool.entries()) {
      for (const entry of entries) {
        const left = remaining();
        if (left <= 0) {
          error = new DeliveryTimeoutError(`the bus did not confirm the spooled messages within ${options.budgetMs / 1000} s`);
          break;
        }
        try {
          await publishAsSpooled(bus, spool.read(entry), left);
          spool.remove(entry);
          sent++;
        } catch (failure) {
          const code = (failure as { code?: unknown }).code;
          if (code === 'ENOENT') continue; // removed by hand meanwhile: nothing to send
          if (typeof code === 'string' && PERMANENT.has(code)) {
            const reason = `${(failure as Error).message} [${code}]`;
            spool.reject(entry, reason);
            rejected.push({ entry, reason });
            continue;
          }
          error = failure as Error;
          break;
        }
      }
    }
  } catch (failure) {
    error = failure as Error;
  } finally {
    if (bus) await withDeadline(bus.close(), 2_000, 'closing the bus', () => undefined).catch(() => undefined);
    lock.release();
  }
  return { sent, rejected, left: spool.entries().length, error };
}

/** Publishes a message exactly as it was spooled: its id, its final topic, its headers (sent-at included). */
function publishAsSpooled(bus: Bus, message: ParsedMessage | Message, timeoutMs: number): Promise<Message> {
  return bus.publish(
    {
      topic: message.topic,
      body: message.body,
      headers: message.headers,
      ...(message.id !== undefined ? { id: message.id } : {}),
      ...(message.priority !== undefined ? { priority: message.priority } : {}),
    },
    { raw: true, timeout: timeoutMs },
  );
}

/**
 * Without a usable spool: publishes `messages` in order within the budget, and reports how many
 * the bus confirmed. What it did not take is lost, which the caller must say.
 */
export async function sendWithoutSpool(
  messages: readonly Message[],
  options: DeliveryOptions,
): Promise<{ readonly sent: number; readonly error: Error | null }> {
  const deadline = Date.now() + options.budgetMs;
  let bus: Bus | undefined;
  let sent = 0;
  try {
    bus = await withDeadline(options.connect(Math.max(1, deadline - Date.now())), deadline - Date.now(), 'connecting to the bus', (late) => void late.close());
    for (const message of messages) {
      const left = deadline - Date.now();
      if (left <= 0) throw new DeliveryTimeoutError(`the bus did not confirm the messages within ${options.budgetMs / 1000} s`);
      await publishAsSpooled(bus, message, left);
      sent++;
    }
    return { sent, error: null };
  } catch (error) {
    return { sent, error: error as Error };
  } finally {
    if (bus) await withDeadline(bus.close(), 2_000, 'closing the bus', () => undefined).catch(() => undefined);
  }
}

/** `promise`, or a DeliveryTimeoutError after `ms`; a result that arrives late is handed to `onLate`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string, onLate: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new DeliveryTimeoutError(`${what} took longer than ${Math.max(0, Math.round(ms)) / 1000} s`));
    }, Math.max(0, ms));
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (settled) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(error);
      },
    );
  });
}
