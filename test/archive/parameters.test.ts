import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery, QueryParameterError } from '../../src/archive/index.js';

const NOW = Date.UTC(2024, 6, 30, 12);
const parse = (query: string) => parseQuery(new URLSearchParams(query), { now: NOW, defaultWindowMs: 7 * 86_400_000 });

describe('datagrepper query parameters', () => {
  test('no start or delta: the default recent window, said in the arguments', () => {
    const request = parse('');
    assert.equal(request.end, NOW);
    assert.equal(request.start, NOW - 7 * 86_400_000);
    assert.equal(request.arguments['default_window'], true);
    assert.deepEqual([request.page, request.rowsPerPage, request.order], [1, 25, 'desc']);
  });

  test('times as epoch seconds, fractional seconds, ISO dates and date-times', () => {
    assert.equal(parse('start=1722340342.5&end=1722340400').start, 1722340342500);
    assert.equal(parse('start=2024-07-30&end=2024-07-31').start, Date.UTC(2024, 6, 30));
    assert.equal(parse('start=2024-07-30T19:12:22Z&end=2024-07-31').start, Date.UTC(2024, 6, 30, 19, 12, 22));
    assert.equal(parse('start=2024-07-30T21:12:22%2B02:00&end=2024-07-31').start, Date.UTC(2024, 6, 30, 19, 12, 22));
  });

  test('delta counts back from end; with start and no end, forward from start', () => {
    const back = parse('end=1000&delta=100');
    assert.deepEqual([back.start, back.end], [900_000, 1_000_000]);
    const forward = parse('start=1000&delta=100');
    assert.deepEqual([forward.start, forward.end], [1_000_000, 1_100_000]);
  });

  test('repeated filters are kept, echoed under datagrepper\'s plural names', () => {
    const request = parse('user=alice&user=bob&category=bodhi&not_package=kernel');
    assert.deepEqual(request.filters.user, ['alice', 'bob']);
    assert.deepEqual(request.arguments['users'], ['alice', 'bob']);
    assert.deepEqual(request.arguments['categories'], ['bodhi']);
    assert.deepEqual(request.arguments['not_packages'], ['kernel']);
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['rows_per_page=101', 'rows_per_page', /at most 100/],
    ['rows_per_page=0', 'rows_per_page', /at least 1/],
    ['page=0', 'page', /at least 1/],
    ['page=two', 'page', /whole number/],
    ['delta=-5', 'delta', /positive number of seconds/],
    ['start=yesterday', 'start', /epoch seconds or an ISO 8601 date/],
    ['end=2024-13-45', 'end', /ISO 8601/],
    ['start=2000&end=1000', 'start', /is after end/],
    ['order=sideways', 'order', /asc or desc/],
    ['meta=horoscope', 'meta', /unknown/],
    ['colour=blue', 'colour', /unknown argument/],
    [`contains=${'x'.repeat(201)}`, 'contains', /at most 200 characters/],
    ['page=1&page=2', 'page', /once/],
  ];
  for (const [query, argument, message] of refusals) {
    test(`refuses ${query.slice(0, 40)} naming "${argument}"`, () => {
      assert.throws(() => parse(query), (error: Error) => {
        assert.ok(error instanceof QueryParameterError);
        assert.equal(error.argument, argument);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
