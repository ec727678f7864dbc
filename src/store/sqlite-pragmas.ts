/** How every connection to the archive's SQLite file is set up. */
import type SqliteDatabase from 'better-sqlite3';

export function applySqlitePragmas(database: SqliteDatabase.Database): void {
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // Two connections write (the archive's thread, and the main one for identities and retention):
  // one waits for the other's transaction rather than failing.
  database.pragma('busy_timeout = 15000');
  // The archive's indexes are written all over their B-trees: a 64 MiB page cache keeps their upper
  // levels in memory, and checkpointing every 8,192 pages (32 MiB of WAL) rather than every 1,000
  // writes a page touched by many batches once per checkpoint instead of once per batch.
  database.pragma('cache_size = -65536');
  database.pragma('wal_autocheckpoint = 8192');
}
