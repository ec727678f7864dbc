/**
 * AMQP topic-exchange matching: `*` matches exactly one word, `#` matches zero or more words.
 *
 * `topicMatches` is the reference: one pattern, one topic, a dynamic-programming table that is easy
 * to check by eye. `TopicMatcher` answers "which of these thousands of patterns match this topic"
 * in one walk of a trie, which is what runs for every message (notifier rules, embedded bindings).
 */
import { assertValidPattern, topicWords } from './topic.js';

/** True when `topic` matches the binding `pattern`. Neither is validated here. */
export function topicMatches(pattern: string, topic: string): boolean {
  const p = topicWords(pattern);
  const t = topicWords(topic);
  // matches[j] = "the pattern words seen so far match the first j topic words".
  let matches: boolean[] = Array.from({ length: t.length + 1 }, (_, j) => j === 0);
  for (const word of p) {
    const next: boolean[] = new Array<boolean>(t.length + 1).fill(false);
    for (let j = 0; j <= t.length; j++) {
      if (word === '#') {
        // `#` takes zero words (matches[j]) or one more word than it already took (next[j - 1]).
        next[j] = matches[j] === true || (j > 0 && next[j - 1] === true);
      } else if (j > 0) {
        next[j] = matches[j - 1] === true && (word === '*' || word === t[j - 1]);
      }
    }
    matches = next;
  }
  return matches[t.length] === true;
}

class TrieNode<T> {
  /** Literal words; created on first use since most nodes are leaves. */
  children: Map<string, TrieNode<T>> | null = null;
  star: TrieNode<T> | null = null;
  hash: TrieNode<T> | null = null;
  /** Values of the patterns that end here. */
  values: Set<T> | null = null;
  /**
   * For a `#` node: during match number `visitEpoch`, this node has been entered at every word
   * index from `visitFrom` to the end. A second entry from a later index has nothing left to do;
   * this is what keeps `#.#.#…` and `#.a.#.a…` linear instead of exponential.
   */
  visitEpoch = 0;
  visitFrom = 0;

  constructor(
    readonly parent: TrieNode<T> | null,
    readonly word: string,
    /** The pattern leading here, kept so that `patterns()` needs no string building. */
    readonly pattern: string,
  ) {}

  get isEmpty(): boolean {
    return this.values === null && this.star === null && this.hash === null && (this.children?.size ?? 0) === 0;
  }
}

/** Many patterns, each with values, compiled into one trie. */
export class TopicMatcher<T> {
  private readonly root = new TrieNode<T>(null, '', '');
  private pairCount = 0;
  private nodes = 1;
  /** Counts match() calls, so that `#` nodes know whether their visit marks are from this call. */
  private epoch = 0;

  /** Adds `value` under `pattern`; adding the same pair twice keeps one. Throws InvalidTopicError. */
  add(pattern: string, value: T): void {
    assertValidPattern(pattern);
    let node = this.root;
    for (const word of topicWords(pattern)) node = this.childFor(node, word);
    node.values ??= new Set();
    if (node.values.has(value)) return;
    node.values.add(value);
    this.pairCount++;
  }

  /** Removes one (pattern, value) pair; returns whether it was there. Empty branches are pruned. */
  remove(pattern: string, value: T): boolean {
    let node: TrieNode<T> | null = this.root;
    for (const word of topicWords(pattern)) {
      node = childOf(node, word);
      if (node === null) return false;
    }
    if (node.values === null || !node.values.delete(value)) return false;
    this.pairCount--;
    if (node.values.size === 0) node.values = null;
    this.prune(node);
    return true;
  }

  /** Every value whose pattern matches `topic`. The set is new and the caller's to keep. */
  match(topic: string): Set<T> {
    const found = new Set<T>();
    if (this.pairCount === 0) return found;
    this.epoch++;
    this.visit(this.root, topicWords(topic), 0, found);
    return found;
  }

  /** The number of (pattern, value) pairs. */
  get size(): number {
    return this.pairCount;
  }

  /** The number of trie nodes, root included: memory use, and proof that removal prunes. */
  get nodeCount(): number {
    return this.nodes;
  }

  /** Each pattern that has at least one value. */
  *patterns(): IterableIterator<string> {
    for (const node of this.walk()) if (node.values !== null) yield node.pattern;
  }

  /** Each (pattern, value) pair. */
  *entries(): IterableIterator<[string, T]> {
    for (const node of this.walk()) {
      if (node.values === null) continue;
      for (const value of node.values) yield [node.pattern, value];
    }
  }

  /** Collects what matches the topic's words from index `i` on, given that `node` matched those before. */
  private visit(node: TrieNode<T>, words: readonly string[], i: number, found: Set<T>): void {
    if (i === words.length && node.values !== null) {
      for (const value of node.values) found.add(value);
    }
    if (i < words.length) {
      const child = node.children?.get(words[i] as string);
      if (child !== undefined) this.visit(child, words, i + 1, found);
      if (node.star !== null) this.visit(node.star, words, i + 1, found);
    }
    const hash = node.hash;
    if (hash !== null) {
      // `#` takes words i..k-1 for every k from i to the end; skip the k already done this match.
      // Depth-first order re-enters a `#` node only at later indexes, so the re-entry normally
      // returns at once; the partial range keeps this right should the walk order ever change.
      let end = words.length;
      if (hash.visitEpoch === this.epoch) {
        if (i >= hash.visitFrom) return;
        end = hash.visitFrom - 1;
      }
      hash.visitEpoch = this.epoch;
      hash.visitFrom = i;
      for (let k = i; k <= end; k++) this.visit(hash, words, k, found);
    }
  }

  private childFor(node: TrieNode<T>, word: string): TrieNode<T> {
    const existing = childOf(node, word);
    if (existing !== null) return existing;
    const pattern = node === this.root ? word : `${node.pattern}.${word}`;
    const child = new TrieNode<T>(node, word, pattern);
    this.nodes++;
    if (word === '*') node.star = child;
    else if (word === '#') node.hash = child;
    else (node.children ??= new Map()).set(word, child);
    return child;
  }

  private prune(from: TrieNode<T>): void {
    let node = from;
    while (node.parent !== null && node.isEmpty) {
      const parent = node.parent;
      if (node.word === '*') parent.star = null;
      else if (node.word === '#') parent.hash = null;
      else {
        parent.children?.delete(node.word);
        if (parent.children?.size === 0) parent.children = null;
      }
      this.nodes--;
      node = parent;
    }
  }

  private *walk(): IterableIterator<TrieNode<T>> {
    const stack: TrieNode<T>[] = [this.root];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      yield node;
      if (node.children !== null) stack.push(...node.children.values());
      if (node.star !== null) stack.push(node.star);
      if (node.hash !== null) stack.push(node.hash);
    }
  }
}

function childOf<T>(node: TrieNode<T>, word: string): TrieNode<T> | null {
  if (word === '*') return node.star;
  if (word === '#') return node.hash;
  return node.children?.get(word) ?? null;
}
