/**
 * Opening Tidings' database: SQLite in the data directory by default, PostgreSQL when a
 * `postgresql://` URL is configured. One Kysely schema over both; migrations per dialect.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import { StoreError } from './errors.js';
import { applySqlitePragmas } from './sqlite-pragmas.js';
import { SqliteWriteThread } from './sqlite-write-thread.js';
import type { Database } from './schema.js';
import { sqliteMigrations } from './migrations/sqlite.js';
import { postgresMigrations } from './migrations/postgres.js';

export type Dialect = 'sqlite' | 'postgres';

export { StoreError };

export interface StoreOptions {
  /** `postgresql://…` for PostgreSQL; absent for SQLite in `dataDir`. */
  readonly url?: string | null;
  /** Where `archive.sqlite` lives (SQLite only). */
  readonly dataDir?: string;
}

export interface StoreDatabase {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** Where it is, with any password masked. */
  readonly address: string;
  /** SQLite in a file: the archive's write thread (started at the first write, stopped by close). */
  readonly sqliteWriter?: () => SqliteWriteThread;
  close(): Promise<void>;
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgresql://(unparseable URL)';
  }
}

export async function openDatabase(options: StoreOptions): Promise<StoreDatabase> {
  const url = options.url ?? null;
  let store: StoreDatabase;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // A pool client's error (the server restarting) must not end the process; the next query fails instead.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { dialect: 'postgres', db, address: maskPassword(url), close: () => db.destroy() };
  } else if (url) {
    throw new StoreError(`database_url ${JSON.stringify(maskPassword(url))} is not a postgresql:// URL; leave it out to use SQLite`);
  } else {
    if (!options.dataDir) throw new StoreError('no data directory for the SQLite database');
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, 'archive.sqlite');
    const database = new SqliteDatabase(path);
    applySqlitePragmas(database);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    let writer: SqliteWriteThread | undefined;
    store = {
      dialect: 'sqlite',
      db,
      address: path,
      sqliteWriter: () => (writer ??= new SqliteWriteThread(path)),
      close: async () => {
        await writer?.close();
        await db.destroy();
      },
    };
  }
  try {
    await migrate(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new StoreError(`could not prepare the database at ${store.address}: ${(error as Error).message}`, { cause: error });
  }
  return store;
}

async function migrate(store: StoreDatabase): Promise<void> {
  const migrations: Record<string, Migration> = store.dialect === 'postgres' ? postgresMigrations : sqliteMigrations;
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'tidings_migrations',
    migrationLockTableName: 'tidings_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
