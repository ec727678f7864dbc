/** What an agent owes after each pull: coalescing, newer serials, missed changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { owe, parseAgentConfig } from '../../src/mirror/index.js';
import { ConfigError } from '../../src/config/index.js';

const pull = (serial: number, paths: string[], previous = 0) => ({ serial, previous, paths, hops: [], trigger: 'message' });

test('a pull for a serial already served owes nothing', () => {
  assert.equal(owe(null, 10, pull(10, ['a'])), null);
  assert.equal(owe(null, 10, pull(9, ['a'])), null);
});

test('pulls arriving before the sync starts are coalesced into one, at the newest serial', () => {
  const first = owe(null, 10, pull(11, ['a/b'], 10))!;
  const second = owe(first, 10, pull(12, ['a', 'c'], 11))!;
  assert.deepEqual(second.paths, ['a', 'c']);
  assert.equal(second.serial, 12);
});

test('a missed change (the upstream served a serial we never had) means the whole tree', () => {
  const owed = owe(null, 10, pull(13, ['a'], 12))!;
  assert.deepEqual(owed.paths, ['']);
  assert.match(owed.trigger, /missed serial 12/);
});

test('a pull without paths means the whole tree', () => assert.deepEqual(owe(null, 0, pull(1, []))!.paths, ['']));

test('agent configurations are checked key by key', () => {
  const good = '[agent]\nname = "m1"\ntier = 2\nupstream = "t1"\nmodule = "fedora"\ntree = "/srv/m"\nsource = "/srv/t1"\n';
  const settings = parseAgentConfig(good);
  assert.equal(settings.lockPath, '/srv/m.lock');
  assert.equal(settings.serialCheckMs, 600_000);
  const refused: Array<[string, RegExp]> = [
    ['[agent]\nname = "m1"\ntier = 1\nupstream = "t1"\nmodule = "f"\ntree = "/t"\nsource = "/s"\n', /tier-1 mirror follows "master"/],
    [good.replace('tier = 2', 'tier = 0'), /agent\.tier must be a whole number >= 1/],
    [good + 'colour = "blue"\n', /agent\.colour is not a setting/],
    [good + 'metadata = ["--delete"]\n', /agent\.metadata must be a list/],
    ['name = 1', /needs an \[agent\] table/],
  ];
  for (const [text, message] of refused) assert.throws(() => parseAgentConfig(text), (error: unknown) => error instanceof ConfigError && message.test(error.message));
});
