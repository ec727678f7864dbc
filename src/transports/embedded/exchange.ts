/**
 * One topic exchange of the embedded broker: its bindings in a compiled trie, the cache of where
 * recent topics go, and what each binding has routed.
 */
import { TopicMatcher } from '../../message/index.js';
import type { BrokerQueue } from './queue.js';

/** A (pattern → queue) binding and the messages it has matched since it was made (or the broker started). */
export class ExchangeBinding {
  matched = 0;
  constructor(
    readonly exchange: string,
    readonly pattern: string,
    readonly queue: BrokerQueue,
  ) {}
}

/** Where one topic goes: each queue once, and every binding that matched (for their counters). */
export interface Route {
  readonly queues: readonly BrokerQueue[];
  /** Empty when the broker keeps no statistics, so publishing does not count. */
  readonly bindings: readonly ExchangeBinding[];
}

/** Topics remembered per exchange before the route cache starts over. */
const ROUTE_CACHE_SIZE = 10_000;
const NO_BINDINGS: readonly ExchangeBinding[] = [];

export class Exchange {
  /** Messages published to it, and those no queue took, since the broker started. */
  published = 0;
  unroutable = 0;
  private readonly matcher = new TopicMatcher<ExchangeBinding>();
  private readonly byKey = new Map<string, ExchangeBinding>();
  /** Where each recently published topic goes; a bus repeats its topics. Cleared on any binding change. */
  private readonly routes = new Map<string, Route>();

  constructor(
    readonly name: string,
    private readonly countMatches: boolean,
  ) {}

  bind(pattern: string, queue: BrokerQueue): void {
    const key = bindingKey(pattern, queue);
    if (this.byKey.has(key)) return;
    const binding = new ExchangeBinding(this.name, pattern, queue);
    this.byKey.set(key, binding);
    this.matcher.add(pattern, binding);
    this.routes.clear();
  }

  unbind(pattern: string, queue: BrokerQueue): void {
    const key = bindingKey(pattern, queue);
    const binding = this.byKey.get(key);
    if (!binding) return;
    this.byKey.delete(key);
    this.matcher.remove(pattern, binding);
    this.routes.clear();
  }

  /** Drops every binding of a queue that is going away. */
  unbindQueue(queue: BrokerQueue): void {
    for (const binding of [...this.byKey.values()]) if (binding.queue === queue) this.unbind(binding.pattern, queue);
  }

  route(topic: string): Route {
    let route = this.routes.get(topic);
    if (!route) {
      const bindings = [...this.matcher.match(topic)];
      const queues = [...new Set(bindings.map((binding) => binding.queue))];
      route = { queues, bindings: this.countMatches ? bindings : NO_BINDINGS };
      if (this.routes.size >= ROUTE_CACHE_SIZE) this.routes.clear();
      this.routes.set(topic, route);
    }
    return route;
  }

  bindings(): IterableIterator<ExchangeBinding> {
    return this.byKey.values();
  }
}

function bindingKey(pattern: string, queue: BrokerQueue): string {
  return `${queue.id}\u0000${pattern}`;
}
