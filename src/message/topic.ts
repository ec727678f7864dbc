/**
 * Topic rules. A topic is an AMQP routing key: dot-separated words, at most 255 bytes (an AMQP
 * shortstr). Patterns (binding keys) are topics whose words may also be `*` (exactly one word) or
 * `#` (zero or more words). Topics are checked where they enter (publish, parse), so that every
 * broker and every archive sees the same clean keys.
 */
import { InvalidTopicError } from './errors.js';
import { describeJsonType, quote } from './json.js';

/** AMQP 0-9-1 routing and binding keys are shortstr: at most 255 bytes. */
export const MAX_TOPIC_BYTES = 255;

/** Top-level domains that start a `<tld>.<org>.<env>.<app>…` topic, as fedmsg topics do. */
const PREFIXED_TOPIC_ROOTS: ReadonlySet<string> = new Set(['org', 'com', 'io', 'net']);

// Whitespace and control characters make keys that look equal in logs but are not, and some
// brokers and shells mangle them.
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;
const WILDCARD = /[*#]/;

/**
 * The words of a topic or pattern. The empty string has no words (as RabbitMQ treats the empty
 * routing key), so `#` matches it and `*` does not.
 */
export function topicWords(topic: string): string[] {
  return topic === '' ? [] : topic.split('.');
}

/** Throws InvalidTopicError unless `topic` is a valid topic (no wildcards). */
export function assertValidTopic(topic: string): void {
  checkCommonRules(topic, 'topic');
  if (WILDCARD.test(topic)) {
    fail('topic', topic, 'contains "*" or "#"', 'wildcards belong in binding patterns, not in the topic of a message');
  }
  if (topicWords(topic).includes('')) failEmptyWord('topic', topic);
}

/** Throws InvalidTopicError unless `pattern` is a valid binding pattern. */
export function assertValidPattern(pattern: string): void {
  checkCommonRules(pattern, 'pattern');
  for (const word of topicWords(pattern)) {
    if (word === '') failEmptyWord('pattern', pattern);
    if (word !== '*' && word !== '#' && WILDCARD.test(word)) {
      fail(
        'pattern',
        pattern,
        `has the word ${quote(word, 40)} mixing a wildcard with other characters`,
        '"*" and "#" match only as whole words: write e.g. "org.*.prod.#"',
      );
    }
  }
}

/** True when `topic` is a valid topic; for filters that skip rather than reject. */
export function isValidTopic(topic: string): boolean {
  try {
    assertValidTopic(topic);
    return true;
  } catch {
    return false;
  }
}

/**
 * The application a topic belongs to (datagrepper's "category"): the 4th word of a prefixed topic
 * such as `org.fedoraproject.prod.buildsys.build.state.change`, otherwise the first word
 * (`buildsys.build.state.change`). Null for the empty topic.
 */
export function categoryOf(topic: string): string | null {
  const words = topicWords(topic);
  const first = words[0];
  if (first === undefined) return null;
  const category = words.length >= 4 && PREFIXED_TOPIC_ROOTS.has(first) ? words[3] : first;
  return category ? category : null;
}

function checkCommonRules(value: string, kind: 'topic' | 'pattern'): void {
  if (typeof value !== 'string') {
    throw new InvalidTopicError(`${kind} must be a string, got ${describeJsonType(value)}`);
  }
  if (value === '') {
    throw new InvalidTopicError(`${kind} is empty: give dot-separated words, e.g. "org.example.prod.app.event"`);
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) {
    fail(kind, value, `is ${bytes} bytes long, over the AMQP limit of ${MAX_TOPIC_BYTES}`, 'use shorter words');
  }
  if (!isPrintableAscii(value) && WHITESPACE_OR_CONTROL.test(value)) {
    fail(kind, value, 'contains whitespace or a control character', 'remove it or use "_" or "-" instead');
  }
}

/** The common case, checked without a Unicode regex: every character is printable ASCII. */
function isPrintableAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) return false;
  }
  return true;
}

function failEmptyWord(kind: 'topic' | 'pattern', value: string): never {
  fail(kind, value, 'has an empty word (a leading, trailing or doubled dot)', 'separate words with single dots');
}

function fail(kind: 'topic' | 'pattern', value: string, broken: string, advice: string): never {
  throw new InvalidTopicError(`${kind} ${quote(value)} ${broken}: ${advice}`);
}
