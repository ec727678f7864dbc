/**
 * The embedded broker's ManagementSource: reads its state into the shared model and carries out the
 * operators' actions on it. Every action that takes messages away commits before it returns; one that
 * puts them elsewhere has the new copies committed before the old ones are removed, so a crash in
 * between duplicates a message rather than losing it.
 */
import { DEFAULT_EXCHANGE } from '../../bus/index.js';
import { TidingsError } from '../../message/index.js';
import type { BrokerQueue, EmbeddedBroker, QueueEntry } from '../../transports/embedded/index.js';
import { ManageNotFoundError, ManageRefusedError } from '../errors.js';
import type { ActionResult, BusSnapshot, DeadLetter, ManagementSource, Selection } from '../model.js';
import { deathStory, retriedMessage, toDeadLetter } from './dead-letters.js';
import { RateSampler } from './rates.js';
import { resolveSelection } from './selection.js';
import { connectionViewName, isDeadLetterQueueName, takeSnapshot } from './snapshot.js';

export interface EmbeddedManagementSourceOptions {
  /** Epoch ms; tests pass their own to get exact rates. */
  readonly clock?: () => number;
}

export class EmbeddedManagementSource implements ManagementSource {
  readonly kind = 'embedded';
  private readonly clock: () => number;
  private readonly sampler = new RateSampler();

  constructor(
    private readonly broker: EmbeddedBroker,
    options: EmbeddedManagementSourceOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async snapshot(): Promise<BusSnapshot> {
    return takeSnapshot(this.broker, this.sampler, this.clock());
  }

  async peekDeadLetters(queue: string, limit: number): Promise<DeadLetter[]> {
    const deadLetters = this.deadLetterQueue(queue);
    const count = Number.isSafeInteger(limit) && limit > 0 ? limit : 0;
    return deadLetters.peekReady(count).map((entry, position) => toDeadLetter(deadLetters.name, position, entry.message));
  }

  async retryDeadLetters(queue: string, selection: Selection): Promise<ActionResult> {
    const deadLetters = this.deadLetterQueue(queue);
    const { entries, missing } = this.select(deadLetters, selection);
    const outcomes = await Promise.allSettled(entries.map((entry) => this.republish(entry)));
    const sent = entries.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    const removed = this.removeEntries(deadLetters, sent);
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    if (failures.length > 0) {
      throw new ManageRefusedError(
        `retried ${removed} of ${entries.length} dead letters of "${deadLetters.name}"; ${failures.length} stayed there: ${messageOf(failures[0])}`,
        { cause: failures[0] },
      );
    }
    return withMissing(removed, missing);
  }

  async discardDeadLetters(queue: string, selection: Selection): Promise<ActionResult> {
    const deadLetters = this.deadLetterQueue(queue);
    const { wants, limit, missing } = resolveSelection(selection);
    const removed = this.broker.removeReady(deadLetters, (entry) => wants(entry.message.id), limit);
    return withMissing(removed.length, missing(removed.map((entry) => entry.message.id)));
  }

  async purge(queue: string, selection: { readonly all: true } | { readonly count: number }): Promise<ActionResult> {
    const target = this.queue(queue);
    const { limit } = resolveSelection(selection);
    return { affected: this.broker.removeReady(target, () => true, limit).length };
  }

  async move(from: string, to: string, selection: { readonly all: true } | { readonly count: number }): Promise<ActionResult> {
    const source = this.queue(from);
    const target = this.queue(to);
    if (source === target) throw new ManageRefusedError(`cannot move messages from "${from}" to itself`);
    const { entries } = this.select(source, selection);
    await this.broker.append(target, entries.map((entry) => ({ message: entry.message, exchange: entry.exchange })));
    return { affected: this.removeEntries(source, entries) };
  }

  async closeConnection(name: string, reason: string): Promise<void> {
    const connections = this.broker.connections.list();
    const exact = connections.find((connection) => connectionViewName(connection) === name);
    // A bare connection name is accepted when it names one connection only.
    const named = exact ? [exact] : connections.filter((connection) => connection.name === name);
    if (named.length === 0) throw new ManageNotFoundError(`no open connection is named "${name}"`);
    if (named.length > 1) {
      const choices = named.map((connection) => `"${connectionViewName(connection)}"`).join(', ');
      throw new ManageRefusedError(`${named.length} connections are named "${name}": name one of ${choices}`);
    }
    this.broker.connections.close(named[0]!.id, reason);
  }

  async deleteQueue(name: string, guard: { readonly ifEmpty: boolean; readonly ifUnused: boolean }): Promise<void> {
    if (!guard.ifEmpty && !guard.ifUnused) {
      throw new ManageRefusedError(`deleting "${name}" needs a guard: only if it is empty, or only if it has no consumer (or both)`);
    }
    const queue = this.queue(name);
    if (guard.ifEmpty && queue.count > 0) {
      throw new ManageRefusedError(
        `queue "${name}" is not empty: it holds ${queue.readyCount} waiting and ${queue.unackedCount} unacknowledged messages (purge it first)`,
      );
    }
    if (guard.ifUnused && queue.consumers.length > 0) {
      throw new ManageRefusedError(`queue "${name}" is in use by ${queue.consumers.length} consumer(s): stop them first`);
    }
    this.broker.deleteQueue(queue);
  }

  async close(): Promise<void> {
    // The broker belongs to whoever made it; there is nothing of the source's own to release.
  }

  private queue(name: string): BrokerQueue {
    const queue = this.broker.findQueue(name);
    if (!queue) throw new ManageNotFoundError(`queue "${name}" does not exist`);
    return queue;
  }

  /** The dead-letter queue itself, or the `.dlq` of a consumer queue. */
  private deadLetterQueue(name: string): BrokerQueue {
    const named = this.broker.findQueue(name);
    if (named && isDeadLetterQueueName(name)) return named;
    const own = this.broker.findQueue(named?.properties.deadLetterQueue ?? `${name}.dlq`);
    if (own) return own;
    if (named) {
      throw new ManageRefusedError(
        `queue "${name}" has no dead-letter queue of its own: its rejected messages go to the shared one (name that instead)`,
      );
    }
    throw new ManageNotFoundError(`neither queue "${name}" nor a dead-letter queue for it exists`);
  }

  /** The waiting entries a selection names, oldest first, and the ids it named that are not there. */
  private select(queue: BrokerQueue, selection: Selection): { entries: QueueEntry[]; missing: string[] } {
    const { wants, limit, missing } = resolveSelection(selection);
    const entries = queue.peekReady(limit).filter((entry) => wants(entry.message.id));
    return { entries, missing: missing(entries.map((entry) => entry.message.id)) };
  }

  /** Removes exactly these entries (by their place in the queue), committed; returns how many were still there. */
  private removeEntries(queue: BrokerQueue, entries: readonly QueueEntry[]): number {
    if (entries.length === 0) return 0;
    const seqs = new Set(entries.map((entry) => entry.seq));
    return this.broker.removeReady(queue, (entry) => seqs.has(entry.seq), seqs.size).length;
  }

  /** Sends a dead letter back where it came from; resolves once the broker has committed it. */
  private republish(entry: QueueEntry): Promise<void> {
    const story = deathStory(entry.message.headers);
    const message = retriedMessage(entry.message, story);
    const exchange = story.originExchange ?? DEFAULT_EXCHANGE;
    // Without its exchange (the default one, ""), a message was routed by queue name: append it there.
    if (exchange === '') {
      const origin = story.originQueue === null ? undefined : this.broker.findQueue(story.originQueue);
      if (!origin) {
        return Promise.reject(new ManageNotFoundError(`dead letter ${entry.message.id} came from no queue that still exists`));
      }
      return this.broker.append(origin, [{ message, exchange }]);
    }
    // Mandatory: a retry that no queue would take must stay a dead letter, not vanish.
    return this.broker.publish(message, { exchange, mandatory: true });
  }
}

function withMissing(affected: number, missing: readonly string[]): ActionResult {
  return missing.length > 0 ? { affected, missing } : { affected };
}

function messageOf(error: unknown): string {
  return error instanceof TidingsError || error instanceof Error ? error.message : String(error);
}
