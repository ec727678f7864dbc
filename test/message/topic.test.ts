import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertValidPattern,
  assertValidTopic,
  categoryOf,
  InvalidTopicError,
  isValidTopic,
  topicWords,
} from '../../src/message/index.js';

const validTopics = [
  'a',
  'org.fedoraproject.prod.buildsys.build.state.change',
  'bodhi.update.comment',
  'with-dash_and_underscore.Mixed.Case.123',
  'ünïcödé.wörds',
  'x'.repeat(255),
];

const invalidTopics: [topic: string, rule: RegExp][] = [
  ['', /is empty/],
  ['.a', /empty word/],
  ['a.', /empty word/],
  ['a..b', /empty word/],
  ['.', /empty word/],
  ['a.*', /contains "\*" or "#"/],
  ['a.#', /contains "\*" or "#"/],
  ['a.b*c', /contains "\*" or "#"/],
  ['a.b c', /whitespace/],
  ['a.b\tc', /whitespace/],
  ['a.b\nc', /whitespace/],
  ['a.b\u0000c', /control character/],
  ['a.b\u007fc', /control character/],
  ['x'.repeat(256), /256 bytes long, over the AMQP limit of 255/],
  ['é'.repeat(128), /256 bytes long/], // 128 characters but 256 UTF-8 bytes
];

describe('topic rules', () => {
  for (const topic of validTopics) {
    test(`accepts the topic ${JSON.stringify(topic.slice(0, 40))}`, () => {
      assert.doesNotThrow(() => assertValidTopic(topic));
      assert.equal(isValidTopic(topic), true);
    });
  }

  for (const [topic, rule] of invalidTopics) {
    test(`rejects the topic ${JSON.stringify(topic.slice(0, 40))}`, () => {
      assert.throws(
        () => assertValidTopic(topic),
        (error: unknown) => error instanceof InvalidTopicError && error.code === 'TOPIC_INVALID' && rule.test(error.message),
      );
      assert.equal(isValidTopic(topic), false);
    });
  }

  test('the error names the topic, the broken rule and what to do', () => {
    assert.throws(() => assertValidTopic('org..x'), {
      name: 'InvalidTopicError',
      message: 'topic "org..x" has an empty word (a leading, trailing or doubled dot): separate words with single dots',
    });
  });

  test('a long topic is cut in the error message', () => {
    const topic = `${'a'.repeat(300)} b`;
    try {
      assertValidTopic(topic);
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof InvalidTopicError);
      assert.ok(error.message.startsWith(`topic "${'a'.repeat(120)}"…`), error.message);
      assert.ok(error.message.length < 300);
    }
  });
});

const validPatterns = ['#', '*', 'a.*', '*.b', 'a.#', '#.b', 'a.#.b', '#.#', '*.#', '#.*', 'org.*.prod.#', 'a.b.c'];
const invalidPatterns: [pattern: string, rule: RegExp][] = [
  ['', /is empty/],
  ['a..b', /empty word/],
  ['#.', /empty word/],
  ['.*', /empty word/],
  ['a*', /mixing a wildcard/],
  ['a.b#', /mixing a wildcard/],
  ['a.**', /mixing a wildcard/],
  ['a.##', /mixing a wildcard/],
  ['a.*#', /mixing a wildcard/],
  ['a. #', /whitespace/],
  [`${'a.'.repeat(128)}#`, /over the AMQP limit/],
];

describe('pattern rules', () => {
  for (const pattern of validPatterns) {
    test(`accepts the pattern ${JSON.stringify(pattern)}`, () => {
      assert.doesNotThrow(() => assertValidPattern(pattern));
    });
  }
  for (const [pattern, rule] of invalidPatterns) {
    test(`rejects the pattern ${JSON.stringify(pattern.slice(0, 40))}`, () => {
      assert.throws(
        () => assertValidPattern(pattern),
        (error: unknown) => error instanceof InvalidTopicError && rule.test(error.message),
      );
    });
  }
});

describe('categoryOf', () => {
  const cases: [topic: string, category: string | null][] = [
    ['org.fedoraproject.prod.buildsys.build.state.change', 'buildsys'],
    ['org.fedoraproject.stg.bodhi.update.comment', 'bodhi'],
    ['com.example.prod.tracker.issue.new', 'tracker'],
    ['io.example.dev.ci.run', 'ci'],
    ['net.example.prod.mirror.sync', 'mirror'],
    ['buildsys.build.state.change', 'buildsys'],
    ['org.fedoraproject.prod', 'org'], // too short to carry a prefix
    ['bodhi', 'bodhi'],
    ['', null],
  ];
  for (const [topic, category] of cases) {
    test(`the category of ${JSON.stringify(topic)} is ${JSON.stringify(category)}`, () => {
      assert.equal(categoryOf(topic), category);
    });
  }
});

test('topicWords splits on dots and gives no words for the empty topic', () => {
  assert.deepEqual(topicWords('a.b.c'), ['a', 'b', 'c']);
  assert.deepEqual(topicWords('a'), ['a']);
  assert.deepEqual(topicWords(''), []);
});
