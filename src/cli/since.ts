/**
 * `tidings consume --since TIME`: history from the archive first, then the live queue, with no gap
 * and no id twice. The live queue is declared (and starts collecting) before history is read, so
 * nothing published during the replay is missed; ids already handled from history are skipped live.
 */
import { topicMatches, type SchemaRegistry, type Message } from '../message/index.js';
import { createSchemaRegistry } from '../schemas/index.js';
import type { Bus, ConsumeSpec, MessageHandler, ReceivedMessage } from '../bus/index.js';
import type { Logger } from '../log/index.js';
import { searchArchive } from './serve-client.js';

/** How long the archive may lag behind the bus (its writer batches for ~20 ms). */
const ARCHIVE_LAG_MS = 1_000;

function bindingPatterns(spec: ConsumeSpec): string[] {
  return (spec.bindings ?? []).flatMap((binding) => (typeof binding === 'string' ? [binding] : [...binding.routingKeys]));
}

function asReceived(message: Message, registry: SchemaRegistry): ReceivedMessage {
  return { ...message, queue: '', redelivered: false, facts: registry.facts(message), bodyText: JSON.stringify(message.body), problem: null };
}

export interface ReplayOutcome {
  /** Ids handled from history, to skip when they come again live. */
  readonly handled: Set<string>;
  /** Set when the handler halted during the replay. */
  readonly halt?: { exitCode: number };
}

/**
 * Runs the handler on every archived message since `since` matching the spec's bindings, oldest
 * first, up to the moment the live queue was declared.
 */
export async function replayHistory(
  archive: string,
  spec: ConsumeSpec,
  since: string,
  until: number,
  handler: MessageHandler,
  logger: Logger,
): Promise<ReplayOutcome> {
  const patterns = bindingPatterns(spec);
  const registry = createSchemaRegistry();
  const handled = new Set<string>();
  let from = since;
  for (let settled = false; !settled; ) {
    let fresh = 0;
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({ start: from, end: String(until / 1000), order: 'asc', rows_per_page: '100', page: String(page) });
      const result = await searchArchive(archive, params);
      for (const message of result.messages) {
        if (handled.has(message.id) || !patterns.some((pattern) => topicMatches(pattern, message.topic))) continue;
        handled.add(message.id);
        fresh++;
        try {
          await handler(asReceived(message, registry));
        } catch (error) {
          const code = (error as { code?: unknown } | null)?.code;
          if (code === 'HANDLER_HALT') return { handled, halt: { exitCode: (error as { exitCode: number }).exitCode } };
          if (code === 'HANDLER_DROP' || code === 'HANDLER_NACK') {
            logger.warn({ id: message.id, outcome: code }, 'a replayed message cannot be requeued or dead-lettered: skipped');
            continue;
          }
          throw error;
        }
      }
      if (result.messages.length < 100) break;
    }
    // Messages sent just before the live queue existed may reach the archive a moment late: look
    // once more after the archive's lag, and again while that finds something.
    settled = fresh === 0 || Date.now() - until > ARCHIVE_LAG_MS;
    if (!settled) await new Promise((resolve) => setTimeout(resolve, ARCHIVE_LAG_MS));
    from = since;
  }
  logger.info({ replayed: handled.size }, 'history replayed; continuing live');
  return { handled };
}

/** The live handler: skips the ids the replay already handled. */
export function skippingHandled(handler: MessageHandler, handled: ReadonlySet<string>): MessageHandler {
  return (message) => (handled.has(message.id) ? undefined : handler(message));
}

export async function declareLive(bus: Bus, spec: ConsumeSpec): Promise<{ spec: ConsumeSpec; declaredAt: number }> {
  const queue = await bus.declare(spec);
  return { spec: { ...spec, queue, passive: true }, declaredAt: Date.now() };
}
