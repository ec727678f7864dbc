/**
 * The archive's SQLite writes run on their own thread: the main thread goes on while a big batch is
 * written, and a failed write comes back as an error with SQLite's reason, leaving the thread usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveStore, openDatabase } from '../../src/store/index.js';
import { SqliteWriteError, SqliteWriteThread } from '../../src/store/sqlite-write-thread.js';
import { record } from './conformance.js';

test('the main thread keeps running while a batch of 20,000 messages is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-write-thread-'));
  const database = await openDatabase({ dataDir: dir });
  try {
    const records = Array.from({ length: 20_000 }, (_, i) => record({ id: randomUUID(), time: 1_700_000_000_000 + i, usernames: [`user${i % 300}`], packages: [`pkg${i % 900}`] }));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const stored = await new ArchiveStore(database).insert(records);
    clearInterval(ticker);
    assert.equal(stored, 20_000);
    assert.ok(ticks > 0, 'timers fired on the main thread during the write');
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that fails says why, and the thread takes the next one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-write-thread-'));
  const path = join(dir, 'bare.sqlite');
  const thread = new SqliteWriteThread(path);
  try {
    await assert.rejects(thread.insert([record()]), (error: unknown) => error instanceof SqliteWriteError && /no such table: messages/.test(error.message));
    await assert.rejects(thread.insert([record()]), SqliteWriteError);
  } finally {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
