import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSentAt,
  MessageFormatError,
  parseSentAt,
  parseSeverity,
  Severity,
  severityName,
} from '../../src/message/index.js';

describe('parseSeverity', () => {
  const accepted: [input: unknown, level: number][] = [
    [10, 10],
    [20, 20],
    [30, 30],
    [40, 40],
    [undefined, 20], // fedora-messaging: a missing severity means INFO
    [null, 20],
    ['DEBUG', 10],
    ['info', 20],
    ['Warning', 30],
    ['warn', 30],
    ['ERROR', 40],
    [' error ', 40],
    ['30', 30],
  ];
  for (const [input, level] of accepted) {
    test(`reads ${JSON.stringify(input) ?? 'undefined'} as ${level}`, () => {
      assert.equal(parseSeverity(input), level);
    });
  }

  const rejected: unknown[] = [0, 15, 50, 20.5, -10, '', 'CRITICAL', '25', true, {}, [], NaN];
  for (const input of rejected) {
    test(`rejects ${JSON.stringify(input) ?? String(input)}`, () => {
      assert.throws(
        () => parseSeverity(input),
        (error: unknown) =>
          error instanceof MessageFormatError && error.code === 'MESSAGE_MALFORMED' && /use 10 \(DEBUG\)/.test(error.message),
      );
    });
  }

  test('severityName names each level', () => {
    assert.deepEqual(
      [Severity.DEBUG, Severity.INFO, Severity.WARNING, Severity.ERROR].map(severityName),
      ['DEBUG', 'INFO', 'WARNING', 'ERROR'],
    );
  });
});

describe('sent-at', () => {
  test('is written in UTC, without fractional seconds, with +00:00', () => {
    assert.equal(formatSentAt(new Date('2024-07-30T19:12:22.987Z')), '2024-07-30T19:12:22+00:00');
    assert.equal(formatSentAt(new Date('2024-07-30T23:30:00-02:00')), '2024-07-31T01:30:00+00:00');
  });

  test('refuses an invalid Date', () => {
    assert.throws(() => formatSentAt(new Date('nonsense')), MessageFormatError);
  });

  const accepted: [input: string, iso: string][] = [
    ['2024-07-30T19:12:22+00:00', '2024-07-30T19:12:22.000Z'],
    ['2024-07-30T19:12:22Z', '2024-07-30T19:12:22.000Z'],
    ['2024-07-30T19:12:22.123456+00:00', '2024-07-30T19:12:22.123Z'],
    ['2024-07-30T19:12:22.5Z', '2024-07-30T19:12:22.500Z'],
    ['2024-07-30T21:12:22+02:00', '2024-07-30T19:12:22.000Z'],
    ['2024-07-30T14:42:22-0430', '2024-07-30T19:12:22.000Z'],
    ['2024-07-30 19:12:22+00:00', '2024-07-30T19:12:22.000Z'], // Python's str(datetime)
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ];
  for (const [input, iso] of accepted) {
    test(`reads ${input}`, () => {
      assert.equal(parseSentAt(input)?.toISOString(), iso);
    });
  }

  test('round-trips what it writes', () => {
    const text = '2024-07-30T19:12:22+00:00';
    assert.equal(formatSentAt(parseSentAt(text) as Date), text);
  });

  test('is null when missing', () => {
    assert.equal(parseSentAt(undefined), null);
    assert.equal(parseSentAt(null), null);
  });

  const rejected: unknown[] = [
    '',
    'yesterday',
    '2024-07-30',
    '2024-07-30T19:12:22', // no offset: ambiguous
    '2024-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-07-30T24:00:00Z',
    '2024-07-30T19:60:00Z',
    '2024-07-30T19:12:22+25:00',
    1722366742,
    true,
    {},
  ];
  for (const input of rejected) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseSentAt(input), MessageFormatError);
    });
  }
});
