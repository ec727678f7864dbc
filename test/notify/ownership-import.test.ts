/**
 * The initial ownership import: `importOwnership` and `tidings notify import-ownership FILE`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/index.js';
import { importOwnership, NotifyStore, OwnershipImportError, parseOwnership } from '../../src/notify/index.js';
import { cleanup, makeTempDir, runTidings } from '../helpers/processes.js';

after(cleanup);

const FILE = [
  '{"package": "kernel", "owner": "jforbes", "comaintainers": ["jwboyer", "labbott"]}',
  '',
  '{"package": "php-zmq", "owner": "orphan", "comaintainers": ["ralph"]}',
  '{"group": "packager", "members": ["alice", "bob", "alice"]}',
  '{"group": "ambassadors", "members": []}',
].join('\n');

test('importOwnership sets owners, co-maintainers and members, and importing again changes nothing', async () => {
  const dir = makeTempDir('tidings-import-');
  const database = await openDatabase({ dataDir: dir });
  try {
    const store = new NotifyStore(database);
    const counts = await importOwnership(store, FILE);
    assert.deepEqual(counts, { packages: 2, owners: 1, comaintainers: 3, groups: 2, members: 2 });
    assert.deepEqual(await importOwnership(store, FILE), counts);
    assert.deepEqual((await store.ownersOf('kernel')).map((entry) => `${entry.user}:${entry.role}`), ['jforbes:owner', 'jwboyer:comaintainer', 'labbott:comaintainer']);
    assert.deepEqual((await store.ownersOf('php-zmq')).map((entry) => `${entry.user}:${entry.role}`), ['ralph:comaintainer']);
    assert.deepEqual((await store.membersOf('packager')).map((entry) => entry.user), ['alice', 'bob']);
  } finally {
    await database.close();
  }
});

test('a file with bad lines is refused whole, naming each line and what is wrong', () => {
  const bad = ['{"package": "kernel", "owner": "jforbes"}', 'not json', '{"package": "a/b"}', '{"group": "g", "members": ["<x>"]}', '{"name": "x"}'].join('\n');
  assert.throws(() => parseOwnership(bad), (error: unknown) => {
    assert.ok(error instanceof OwnershipImportError);
    assert.match(error.message, /4 bad line\(s\): line 2: not JSON.*; line 3: "package" "a\/b" is not a package name; line 4: "members" has "<x>", not an account name; line 5: has neither "package" nor "group"/);
    return true;
  });
});

test('tidings notify import-ownership FILE prints the counts; a bad file exits 1 and imports nothing', async () => {
  const data = makeTempDir('tidings-import-cli-');
  const file = join(data, 'ownership.jsonl');
  writeFileSync(file, FILE);
  const imported = await runTidings(['notify', 'import-ownership', file, '--data', data]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout.trim(), 'imported 2 packages (1 owner, 3 co-maintainers) and 2 groups (2 members)');

  const badFile = join(data, 'bad.jsonl');
  writeFileSync(badFile, '{"package": "glibc", "owner": "codonell"}\n{"package": "x", "owner": 7}\n');
  const refused = await runTidings(['notify', 'import-ownership', badFile, '--data', data]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /line 2: "owner" 7 is not an account name/);

  const fromStdin = await runTidings(['notify', 'import-ownership', '-', '--data', data], { input: '{"package": "glibc", "owner": "codonell"}\n' });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.match(fromStdin.stdout, /imported 1 package \(1 owner, 0 co-maintainers\) and 0 groups \(0 members\)/);

  const database = await openDatabase({ dataDir: data });
  try {
    const store = new NotifyStore(database);
    assert.deepEqual((await store.ownersOf('kernel')).map((entry) => entry.user), ['jforbes', 'jwboyer', 'labbott']);
    assert.deepEqual((await store.ownersOf('x')), [], 'the bad file imported nothing');
    assert.deepEqual((await store.ownersOf('glibc')).map((entry) => entry.user), ['codonell']);
  } finally {
    await database.close();
  }
});
