/** How every connection to the archive's SQLite file is set up. */
import type SqliteDatabase from 'better-sqlite3';

export function applySqlitePragmas(database: SqliteDatabase.Database): void {
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Two connections write (the archive's thread, and the main one for identities and retention):
  // one waits for the other's transaction rather than failing.
  database.pragma('busy_timeout = 15000');
  // The archive's indexes are written all over their B-trees, and a batch of thousands of messages
  // dirties tens of thousands of pages. A 64 MiB page cache keeps the trees' upper levels in memory;
  // checkpointing every 65,536 pages (256 MiB of WAL) instead of every 1,000 copies a page that many
  // batches touched into the database once instead of once per batch (about a third faster at a
  // million messages). After a checkpoint the WAL file is cut back to 64 MiB.
  database.pragma('cache_size = -65536');
  database.pragma('wal_autocheckpoint = 65536');
  database.pragma('journal_size_limit = 67108864');
}
