/**
 * What a stream subscriber wants: topic patterns, categories, users, packages. Values of one kind
 * are OR'd, kinds are AND'd (as the archive's query parameters); no filter at all means everything.
 * Parsing is strict — an unknown name or a bad pattern is refused at the edge with a message that
 * says what to send instead — and matching is a pure function of the filter and the message's facts.
 */
import { assertValidPattern, InvalidTopicError, topicMatches } from '../../message/index.js';
import { StreamFilterError } from './errors.js';

export const FILTER_KINDS = ['topic', 'category', 'user', 'package'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

export type StreamFilter = { readonly [K in FilterKind]: readonly string[] };

/** The same bound the archive puts on one query's filter values. */
export const MAX_VALUES_PER_KIND = 50;
const MAX_VALUE_LENGTH = 255;

/** What matching needs from a message; usernames and packages are derived only when asked for. */
export interface MatchFacts {
  readonly topic: string;
  readonly category: string | null;
  usernames(): readonly string[];
  packages(): readonly string[];
}

function checkValues(kind: FilterKind, values: readonly unknown[]): string[] {
  if (values.length > MAX_VALUES_PER_KIND) {
    throw new StreamFilterError(`${kind} may be given at most ${MAX_VALUES_PER_KIND} times, got ${values.length}: subscribe to a broader pattern`);
  }
  const checked: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string' || value === '') {
      throw new StreamFilterError(`each ${kind} must be a non-empty string, got ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`);
    }
    if (value.length > MAX_VALUE_LENGTH) throw new StreamFilterError(`a ${kind} may be at most ${MAX_VALUE_LENGTH} characters, got ${value.length}`);
    if (kind === 'topic') {
      try {
        assertValidPattern(value);
      } catch (error) {
        if (error instanceof InvalidTopicError) throw new StreamFilterError(`bad topic ${error.message}`, { cause: error });
        throw error;
      }
    }
    checked.push(value);
  }
  return [...new Set(checked)];
}

/** `?topic=…&user=…` (repeatable); `allowedExtra` names the other parameters the route reads itself. */
export function filterFromQuery(params: URLSearchParams, allowedExtra: readonly string[] = []): StreamFilter {
  for (const name of new Set(params.keys())) {
    if (!(FILTER_KINDS as readonly string[]).includes(name) && !allowedExtra.includes(name)) {
      throw new StreamFilterError(`unknown parameter ${JSON.stringify(name.slice(0, 40))}: the parameters are ${[...FILTER_KINDS, ...allowedExtra].join(', ')}`);
    }
  }
  const values = (kind: FilterKind): string[] => checkValues(kind, params.getAll(kind).filter((value) => value !== ''));
  return { topic: values('topic'), category: values('category'), user: values('user'), package: values('package') };
}

/** The filter fields of a WebSocket subscribe frame: each a string or an array of strings. */
export function filterFromFrame(frame: Readonly<Record<string, unknown>>): StreamFilter {
  const values = (kind: FilterKind): string[] => {
    const value = frame[kind];
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return checkValues(kind, [value]);
    if (!Array.isArray(value)) throw new StreamFilterError(`"${kind}" must be a string or an array of strings`);
    return checkValues(kind, value);
  };
  return { topic: values('topic'), category: values('category'), user: values('user'), package: values('package') };
}

export function isEverything(filter: StreamFilter): boolean {
  return FILTER_KINDS.every((kind) => filter[kind].length === 0);
}

function anyIn(wanted: readonly string[], have: readonly string[]): boolean {
  for (const value of have) if (wanted.includes(value)) return true;
  return false;
}

/**
 * True when the message passes every kind the filter names. `known` is a kind already matched by
 * the caller's index (skipped here, so a topic found in the trie is not matched twice).
 */
export function matchesFilter(filter: StreamFilter, facts: MatchFacts, known?: FilterKind): boolean {
  if (known !== 'topic' && filter.topic.length && !filter.topic.some((pattern) => topicMatches(pattern, facts.topic))) return false;
  if (known !== 'category' && filter.category.length && (facts.category === null || !filter.category.includes(facts.category))) return false;
  if (known !== 'user' && filter.user.length && !anyIn(filter.user, facts.usernames())) return false;
  if (known !== 'package' && filter.package.length && !anyIn(filter.package, facts.packages())) return false;
  return true;
}
