/**
 * Which topics an identity may publish: its patterns in one TopicMatcher, built once per identity
 * and built again only when its patterns change. Shared by every publish path (HTTP and the hub).
 */
import { TopicMatcher } from '../message/index.js';
import type { Identity } from '../store/index.js';

export class TopicPolicy {
  private readonly matchers = new Map<string, { patterns: string; matcher: TopicMatcher<true> }>();

  allows(identity: Identity, topic: string): boolean {
    const patterns = identity.topics.join('\n');
    let entry = this.matchers.get(identity.name);
    if (!entry || entry.patterns !== patterns) {
      const matcher = new TopicMatcher<true>();
      for (const pattern of identity.topics) matcher.add(pattern, true);
      entry = { patterns, matcher };
      this.matchers.set(identity.name, entry);
    }
    return entry.matcher.match(topic).size > 0;
  }
}
