/**
 * Which subscriptions want a message, without looking at the ones that do not: each subscription
 * is filed under one of its kinds (its "driver") — a user or package name in an inverted index, its
 * topic patterns in a trie, a category in a map, or the everything set — and only the subscriptions
 * a message's facts find there are checked against the rest of their filter. So the cost of a
 * message grows with the subscriptions it matches, not with everyone connected.
 */
import { TopicMatcher } from '../../message/index.js';
import { isEverything, matchesFilter, type FilterKind, type MatchFacts, type StreamFilter } from './filter.js';

export interface Filtered {
  readonly filter: StreamFilter;
}

/** Names are rarer than topics (a user's messages are few): drive by them when the filter has them. */
function driverOf(filter: StreamFilter): FilterKind | null {
  if (filter.user.length) return 'user';
  if (filter.package.length) return 'package';
  if (filter.topic.length) return 'topic';
  if (filter.category.length) return 'category';
  return null;
}

export class FilterIndex<T extends Filtered> {
  private readonly topics = new TopicMatcher<T>();
  private readonly byName: Record<'user' | 'package' | 'category', Map<string, Set<T>>> = {
    user: new Map(),
    package: new Map(),
    category: new Map(),
  };
  private readonly everything = new Set<T>();
  private readonly drivers = new Map<T, FilterKind | null>();

  get size(): number {
    return this.drivers.size;
  }

  add(target: T): void {
    if (this.drivers.has(target)) return;
    const driver = isEverything(target.filter) ? null : driverOf(target.filter);
    this.drivers.set(target, driver);
    if (driver === null) this.everything.add(target);
    else if (driver === 'topic') for (const pattern of target.filter.topic) this.topics.add(pattern, target);
    else for (const name of target.filter[driver]) this.namesOf(driver, name, true)!.add(target);
  }

  remove(target: T): void {
    if (!this.drivers.has(target)) return;
    const driver = this.drivers.get(target)!;
    this.drivers.delete(target);
    if (driver === null) this.everything.delete(target);
    else if (driver === 'topic') for (const pattern of target.filter.topic) this.topics.remove(pattern, target);
    else {
      for (const name of target.filter[driver]) {
        const set = this.namesOf(driver, name, false);
        set?.delete(target);
        if (set?.size === 0) this.byName[driver].delete(name);
      }
    }
  }

  /** Every subscription whose whole filter the message passes, each once. */
  match(facts: MatchFacts): T[] {
    const found: T[] = [];
    if (this.drivers.size === 0) return found;
    for (const target of this.everything) found.push(target);
    // A subscription filed under several names or patterns can be found more than once: keep one.
    const seen = new Set<T>();
    const consider = (target: T, driver: FilterKind): void => {
      if (seen.has(target)) return;
      seen.add(target);
      if (matchesFilter(target.filter, facts, driver)) found.push(target);
    };
    if (this.topics.size) for (const target of this.topics.match(facts.topic)) consider(target, 'topic');
    if (this.byName.category.size && facts.category !== null) {
      for (const target of this.byName.category.get(facts.category) ?? []) consider(target, 'category');
    }
    if (this.byName.user.size) for (const name of facts.usernames()) for (const target of this.byName.user.get(name) ?? []) consider(target, 'user');
    if (this.byName.package.size) for (const name of facts.packages()) for (const target of this.byName.package.get(name) ?? []) consider(target, 'package');
    return found;
  }

  private namesOf(kind: 'user' | 'package' | 'category', name: string, create: boolean): Set<T> | undefined {
    let set = this.byName[kind].get(name);
    if (!set && create) this.byName[kind].set(name, (set = new Set()));
    return set;
  }
}
