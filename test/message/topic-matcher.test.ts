import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTopicError, TopicMatcher, topicMatches } from '../../src/message/index.js';
import { mulberry32 as random } from '../helpers/random.js';


function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

const WORDS = ['a', 'b', 'c'];

function randomTopic(next: () => number): string {
  const length = 1 + Math.floor(next() * 6);
  return Array.from({ length }, () => pick(next, WORDS)).join('.');
}

/** Patterns with `*` and `#` anywhere, often several `#`, sometimes adjacent. */
function randomPattern(next: () => number): string {
  const length = 1 + Math.floor(next() * 6);
  return Array.from({ length }, () => {
    const roll = next();
    if (roll < 0.25) return '#';
    if (roll < 0.45) return '*';
    return pick(next, WORDS);
  }).join('.');
}

describe('topicMatches (the reference)', () => {
  const cases: [pattern: string, topic: string, expected: boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*.b', 'a.b', true],
    ['a.*', 'a', false],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['#', '', true],
    ['*', '', false],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'b.a', false],
    ['#.c', 'c', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'a.c.b', false],
    ['a.#.c', 'a.c', true],
    ['a.#.c', 'a.b.b.c', true],
    ['a.#.c', 'a.b.b', false],
    ['#.#', 'a', true],
    ['#.#', '', true],
    ['*.#', 'a', true],
    ['*.#', '', false],
    ['#.*', 'a.b', true],
    ['#.*.#', 'a', true],
    ['*.*.#', 'a', false],
    ['#.a.#.a.#', 'b.a.b.b.a.b', true],
    ['#.a.#.a.#', 'b.a.b.b', false],
    ['org.*.prod.#', 'org.fedoraproject.prod.buildsys.build', true],
    ['org.*.prod.#', 'org.fedoraproject.stg.buildsys.build', false],
  ];
  for (const [pattern, topic, expected] of cases) {
    test(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(topic)}`, () => {
      assert.equal(topicMatches(pattern, topic), expected);
      const matcher = new TopicMatcher<string>();
      matcher.add(pattern, 'it');
      assert.equal(matcher.match(topic).has('it'), expected);
    });
  }
});

describe('TopicMatcher', () => {
  test('matches what the reference matches, on 300,000 random (pattern, topic) pairs', () => {
    const next = random(20240730);
    let pairs = 0;
    let matched = 0;
    for (let round = 0; round < 20; round++) {
      const patterns = Array.from({ length: 150 }, () => randomPattern(next));
      const matcher = new TopicMatcher<number>();
      patterns.forEach((pattern, index) => matcher.add(pattern, index));
      for (let t = 0; t < 100; t++) {
        const topic = randomTopic(next);
        const expected = new Set<number>();
        patterns.forEach((pattern, index) => {
          if (topicMatches(pattern, topic)) expected.add(index);
        });
        assert.deepEqual(matcher.match(topic), expected, `topic ${topic} in round ${round}`);
        pairs += patterns.length;
        matched += expected.size;
      }
    }
    assert.equal(pairs, 300_000);
    // The generator must produce both outcomes in volume, or the comparison proves little.
    assert.ok(matched > pairs * 0.05 && matched < pairs * 0.95, `matched ${matched} of ${pairs}`);
  });

  test('still agrees with the reference after random removals', () => {
    const next = random(7);
    const live = new Map<string, Set<number>>();
    const matcher = new TopicMatcher<number>();
    for (let i = 0; i < 500; i++) {
      const pattern = randomPattern(next);
      const value = Math.floor(next() * 20);
      matcher.add(pattern, value);
      if (!live.has(pattern)) live.set(pattern, new Set());
      live.get(pattern)?.add(value);
    }
    for (const [pattern, values] of live) {
      for (const value of [...values]) {
        if (next() < 0.5) {
          assert.equal(matcher.remove(pattern, value), true);
          values.delete(value);
        }
      }
    }
    const expectedSize = [...live.values()].reduce((sum, values) => sum + values.size, 0);
    assert.equal(matcher.size, expectedSize);
    for (let t = 0; t < 300; t++) {
      const topic = randomTopic(next);
      const expected = new Set<number>();
      for (const [pattern, values] of live) {
        if (topicMatches(pattern, topic)) for (const value of values) expected.add(value);
      }
      assert.deepEqual(matcher.match(topic), expected, `topic ${topic}`);
    }
  });

  test('keeps the same (pattern, value) pair once', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a.#', 'q1');
    matcher.add('a.#', 'q1');
    matcher.add('a.#', 'q2');
    assert.equal(matcher.size, 2);
    assert.deepEqual(matcher.match('a.b'), new Set(['q1', 'q2']));
    assert.deepEqual([...matcher.entries()].sort(), [
      ['a.#', 'q1'],
      ['a.#', 'q2'],
    ]);
  });

  test('a value under several matching patterns is reported once', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a.*', 'q');
    matcher.add('#', 'q');
    matcher.add('a.b', 'q');
    assert.deepEqual([...matcher.match('a.b')], ['q']);
  });

  test('remove takes out one pair and reports whether it was there', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a.*', 'q1');
    matcher.add('a.*', 'q2');
    assert.equal(matcher.remove('a.*', 'q1'), true);
    assert.equal(matcher.remove('a.*', 'q1'), false);
    assert.equal(matcher.remove('a.#', 'q2'), false);
    assert.equal(matcher.remove('x.y.z', 'q2'), false);
    assert.equal(matcher.size, 1);
    assert.deepEqual(matcher.match('a.b'), new Set(['q2']));
  });

  test('removing every pair prunes the trie back to its root', () => {
    const matcher = new TopicMatcher<number>();
    const patterns = ['a.b.c', 'a.b', 'a.*.#', '#.c', '#', '*.*', 'a.#.#.b'];
    patterns.forEach((pattern, index) => matcher.add(pattern, index));
    assert.ok(matcher.nodeCount > 1);
    // Removing a longer pattern keeps the shared prefix of a shorter one alive.
    matcher.remove('a.b.c', 0);
    assert.deepEqual(matcher.match('a.b'), new Set([1, 2, 4, 5, 6]));
    patterns.forEach((pattern, index) => matcher.remove(pattern, index));
    assert.equal(matcher.size, 0);
    assert.equal(matcher.nodeCount, 1);
    assert.deepEqual([...matcher.patterns()], []);
    assert.deepEqual(matcher.match('a.b.c'), new Set());
  });

  test('patterns() lists each pattern that has a value, once', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('org.*.prod.#', 'q1');
    matcher.add('org.*.prod.#', 'q2');
    matcher.add('org.*', 'q1');
    matcher.add('#', 'q3');
    assert.deepEqual([...matcher.patterns()].sort(), ['#', 'org.*', 'org.*.prod.#']);
  });

  test('rejects an invalid pattern', () => {
    const matcher = new TopicMatcher<string>();
    assert.throws(() => matcher.add('a.b*', 'q'), InvalidTopicError);
    assert.throws(() => matcher.add('', 'q'), InvalidTopicError);
    assert.equal(matcher.size, 0);
  });

  test('the set it returns belongs to the caller', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a', 'q');
    matcher.match('a').add('intruder');
    assert.deepEqual(matcher.match('a'), new Set(['q']));
  });

  // A backtracking matcher takes exponential time on these patterns. match() is synchronous, so
  // a test timeout could not interrupt it: run it in a child process that is killed after 20 s.
  test('stays fast on many "#" against a long topic', () => {
    const script = `
      import { TopicMatcher } from ${JSON.stringify(new URL('../../src/message/index.ts', import.meta.url).href)};
      const matcher = new TopicMatcher();
      const topic = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 'a' : 'b')).join('.');
      const repeat = (n, word) => Array.from({ length: n }, () => word).join('.');
      matcher.add(repeat(60, '#'), 'hashes');
      matcher.add(repeat(40, '#.a') + '.#.c', 'no-c');
      matcher.add(repeat(40, '#.a') + '.#', 'forty-a');
      matcher.add(repeat(40, '*.#'), 'star-hash');
      console.log(JSON.stringify([...matcher.match(topic)].sort()));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.signal, null, 'the match did not finish within 20 s');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), ['forty-a', 'hashes', 'star-hash']);
  });
});
