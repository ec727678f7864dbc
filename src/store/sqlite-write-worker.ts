/**
 * The archive's SQLite writes, on their own thread (see sqlite-write-thread.ts): a connection of its
 * own to the same file, the same pragmas as the main one, one transaction per batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { SqliteArchiveWriter } from './sqlite-archive-writer.js';
import { applySqlitePragmas } from './sqlite-pragmas.js';
import type { WriteReply, WriteRequest } from './sqlite-write-thread.js';

const db = new SqliteDatabase((workerData as { path: string }).path);
applySqlitePragmas(db);
// Prepared at the first write, not at start: a database not migrated yet fails that write with the
// reason (and the next write tries again) instead of killing the thread.
let writer: SqliteArchiveWriter | undefined;

parentPort!.on('message', (request: WriteRequest | 'close') => {
  if (request === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  let reply: WriteReply;
  try {
    writer ??= new SqliteArchiveWriter(db);
    reply = { id: request.id, stored: writer.insert(request.records) };
  } catch (error) {
    reply = { id: request.id, error: { message: (error as Error).message, code: (error as { code?: string }).code ?? null } };
  }
  parentPort!.postMessage(reply);
});
