/**
 * The archive: ingest rate and query latency on a realistic archive of 1,000,000 messages over two
 * years (bench/_archive-data.ts), on SQLite and on PostgreSQL.
 * - Ingest: `ArchiveStore.insert` in full batches (ARCHIVE_BATCH_SIZE, 10,000), which is what the
 *   archive writer commits while messages keep arriving, i.e. at the rates where ingest speed matters
 *   (a quiet bus gets small batches within ~20 ms; `--batch 500` shows that side). Baseline, measured in
 *   the same run on the same engine: raw batched inserts of the same `messages` rows into a plain
 *   table (better-sqlite3 prepared statement, 500 per transaction; `pg` multi-row INSERT of 500 in a
 *   transaction).
 * - Queries: p50/p95 of `ArchiveQueries.search(parseQuery(…))` for each shape of issue 4, with
 *   parameters that vary across repetitions (bench/_archive-shapes.ts); the same queries on both
 *   dialects, whose answers are compared. A shape over target is run again with every statement's
 *   time and plan printed (`--explain` does it for every shape).
 *
 * PostgreSQL runs in a fresh database, dropped at the end; SQLite in a temporary directory, removed
 * at the end (`--keep` keeps both, to investigate). Before the queries, PostgreSQL's tables get what
 * autovacuum would have given them by then: VACUUM ANALYZE of each table (not of the partitioned
 * parent, which autovacuum never analyzes).
 *
 *   npm run bench -- archive [--messages 1000000] [--queries 50] [--batch 10000] [--explain] [--keep]
 *                            [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { ARCHIVE_BATCH_SIZE, ArchiveQueries, parseQuery } from '../src/archive/index.js';
import { ArchiveStore, openDatabase, type Dialect, type StoreDatabase } from '../src/store/index.js';
import { SyntheticArchive } from './_archive-data.js';
import { DEFAULT_WINDOW_MS, queryShapes, type QueryShape } from './_archive-shapes.js';
import { ingest, postgresBaseline, sqliteBaseline, type IngestResult } from './_archive-ingest.js';
import { explainCase, type Target } from './_archive-explain.js';
import { percentile, printHeadline, printTable } from './_report.js';

const TARGETS = { ingest: { sqlite: 20_000, postgres: 10_000 }, p95Ms: 50 } as const;
const DEFAULT_ADMIN_URL = process.env['TIDINGS_BENCH_POSTGRES_URL'] ?? process.env['TIDINGS_TEST_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

interface ShapeLatency {
  /** ms, in repetition order. */
  readonly samples: number[];
  /** Per repetition: the page's ids, to compare the dialects' answers. */
  readonly answers: string[];
  readonly rows: number[];
  readonly totals: number[];
  readonly estimates: number;
}

/** Work to undo at the end, whatever happens (also on Ctrl-C). */
class Cleanup {
  private readonly steps: Array<{ label: string; step: () => Promise<void> | void }> = [];
  add(label: string, step: () => Promise<void> | void): void {
    this.steps.unshift({ label, step });
  }
  async run(): Promise<void> {
    for (const { label, step } of this.steps.splice(0)) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`cleanup: could not ${label}: ${(error as Error).message}\n`);
      }
    }
  }
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tidings_bench_archive_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${adminUrl} (${(error as Error).message}): start it, or pass --postgres URL`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** What autovacuum would have done by now: every table (partitions included) vacuumed and analyzed. */
async function settlePostgres(store: StoreDatabase): Promise<number> {
  const started = performance.now();
  const tables = await sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1`.execute(store.db);
  for (const { name } of tables.rows) await sql`VACUUM (ANALYZE) ${sql.table(name)}`.execute(store.db);
  return (performance.now() - started) / 1000;
}

/** Every shape `repetitions` times, round-robin across shapes; one extra round first, as warm-up. */
async function measureQueries(store: StoreDatabase, shapes: readonly QueryShape[]): Promise<Map<string, ShapeLatency>> {
  const queries = new ArchiveQueries(store);
  const results = new Map(shapes.map((shape) => [shape.name, { samples: [], answers: [], rows: [], totals: [], estimates: 0 } as ShapeLatency]));
  const repetitions = shapes[0]!.cases.length;
  for (let repetition = -1; repetition < repetitions; repetition++) {
    for (const shape of shapes) {
      const query = repetition === -1 ? shape.warmUp : shape.cases[repetition]!;
      const started = performance.now();
      const result = await queries.search(parseQuery(query.params, { now: query.now, defaultWindowMs: DEFAULT_WINDOW_MS }));
      const ms = performance.now() - started;
      if (repetition === -1) continue;
      const entry = results.get(shape.name)!;
      entry.samples.push(ms);
      entry.answers.push(result.messages.map((message) => message.id).join(','));
      entry.rows.push(result.messages.length);
      entry.totals.push(result.total);
      if (result.totalIsEstimate) (entry as { estimates: number }).estimates++;
    }
    if (repetition >= 0 && (repetition + 1) % 10 === 0) process.stderr.write(`  ${store.dialect}: ${repetition + 1} / ${repetitions} rounds of ${shapes.length} shapes\n`);
  }
  return results;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;
const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
const p95 = (latency: ShapeLatency): number => percentile(sorted(latency.samples), 95);

/** The case that was the p95 sample: the one worth explaining. */
function p95Case(shape: QueryShape, latency: ShapeLatency): QueryShape['cases'][number] {
  const value = p95(latency);
  return shape.cases[latency.samples.indexOf(value)]!;
}

function slowest(latencies: Map<string, ShapeLatency>): { shape: string; p95: number } {
  let worst = { shape: '', p95: -1 };
  for (const [shape, latency] of latencies) if (p95(latency) > worst.p95) worst = { shape, p95: p95(latency) };
  return worst;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      messages: { type: 'string', default: '1000000' },
      queries: { type: 'string', default: '50' },
      batch: { type: 'string', default: String(ARCHIVE_BATCH_SIZE) },
      postgres: { type: 'string', default: DEFAULT_ADMIN_URL },
      explain: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const messages = Number(values.messages);
  const repetitions = Number(values.queries);
  const batchSize = Number(values.batch);
  if (![messages, repetitions, batchSize].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--messages, --queries and --batch must be positive whole numbers');
  const archive = new SyntheticArchive(messages);
  const shapes = queryShapes(archive, repetitions);
  console.log(`archive benchmark: ${messages.toLocaleString('en-US')} messages over 2 years, batches of ${batchSize}, ${repetitions} queries per shape`);

  const cleanup = new Cleanup();
  // Piped into `head`: stop printing, but still drop the database and remove the files.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const interrupted = (): void => void cleanup.run().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const ingests = {} as Record<Dialect, IngestResult>;
  const latencies = {} as Record<Dialect, Map<string, ShapeLatency>>;
  const targets = {} as Record<Dialect, Target>;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-archive-'));
    if (values.keep) process.stderr.write(`keeping the SQLite data in ${dir}\n`);
    else cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const sqlite = await openDatabase({ dataDir: join(dir, 'store') });
    cleanup.add('close the SQLite store', () => sqlite.close());
    targets.sqlite = { dialect: 'sqlite', location: sqlite.address };
    process.stderr.write('SQLite: ingest\n');
    const sqliteRaw = sqliteBaseline(join(dir, 'baseline.sqlite'));
    ingests.sqlite = await ingest('sqlite', archive, new ArchiveStore(sqlite), sqliteRaw, batchSize);
    await sqliteRaw.close();
    rmSync(join(dir, 'baseline.sqlite'), { force: true });
    process.stderr.write('SQLite: queries\n');
    latencies.sqlite = await measureQueries(sqlite, shapes);

    const database = await createDatabase(values.postgres);
    if (values.keep) process.stderr.write(`keeping the PostgreSQL database ${database.url}\n`);
    else cleanup.add('drop the PostgreSQL database', database.drop);
    const postgres = await openDatabase({ url: database.url });
    cleanup.add('close the PostgreSQL store', () => postgres.close());
    targets.postgres = { dialect: 'postgres', location: database.url };
    process.stderr.write('PostgreSQL: ingest\n');
    const postgresRaw = await postgresBaseline(database.url);
    cleanup.add('close the baseline client', () => postgresRaw.close());
    ingests.postgres = await ingest('postgres', archive, new ArchiveStore(postgres), postgresRaw, batchSize);
    await postgresRaw.close();
    process.stderr.write(`PostgreSQL: VACUUM ANALYZE of every table took ${round1(await settlePostgres(postgres))} s\nPostgreSQL: queries\n`);
    latencies.postgres = await measureQueries(postgres, shapes);

    report(messages, shapes, ingests, latencies);
    const diagnoses: string[] = [];
    for (const dialect of ['sqlite', 'postgres'] as const) {
      for (const shape of shapes) {
        const latency = latencies[dialect].get(shape.name)!;
        if (values.explain || p95(latency) >= TARGETS.p95Ms) {
          diagnoses.push(...(await explainCase(targets[dialect], `${shape.name} (p95 ${round1(p95(latency))} ms)`, p95Case(shape, latency), DEFAULT_WINDOW_MS)));
        }
      }
    }
    if (diagnoses.length) {
      console.log(`\nwhere the time goes (${values.explain ? 'every shape' : `shapes with p95 ≥ ${TARGETS.p95Ms} ms`}; the p95 repetition run again, statement by statement)`);
      for (const line of diagnoses) console.log(line);
    }
    headline(messages, repetitions, ingests, latencies);
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup.run();
  }
}

function report(messages: number, shapes: readonly QueryShape[], ingests: Record<Dialect, IngestResult>, latencies: Record<Dialect, Map<string, ShapeLatency>>): void {
  printTable(`ingest, ${messages.toLocaleString('en-US')} messages in batches (msg/s; only the inserts are timed)`, (['sqlite', 'postgres'] as const).map((dialect) => {
    const result = ingests[dialect];
    return {
      dialect,
      'baseline: raw inserts': Math.round(result.baseline),
      'tidings: ArchiveStore.insert': Math.round(result.tidings),
      ratio: Math.round((result.tidings / result.baseline) * 100) / 100,
      'tidings s': Math.round(result.tidingsSeconds),
      target: TARGETS.ingest[dialect],
      met: result.tidings >= TARGETS.ingest[dialect] ? 'yes' : 'NO',
      stored: result.stored,
    };
  }));
  printTable('query shapes', shapes.map((shape) => ({ shape: shape.name, 'what is asked (varied per repetition)': shape.description })));
  printTable(`query latency, ms (ArchiveQueries.search; target p95 < ${TARGETS.p95Ms} ms)`, shapes.map((shape) => {
    const lite = latencies.sqlite.get(shape.name)!;
    const post = latencies.postgres.get(shape.name)!;
    const same = lite.answers.filter((answer, i) => answer === post.answers[i]).length;
    return {
      shape: shape.name,
      'sqlite p50': round1(percentile(sorted(lite.samples), 50)),
      'sqlite p95': round1(p95(lite)),
      'pg p50': round1(percentile(sorted(post.samples), 50)),
      'pg p95': round1(p95(post)),
      met: p95(lite) < TARGETS.p95Ms && p95(post) < TARGETS.p95Ms ? 'yes' : 'NO',
      'rows/page': round1(lite.rows.reduce((sum, n) => sum + n, 0) / lite.rows.length),
      'total (median)': percentile(sorted(lite.totals), 50),
      estimated: lite.estimates,
      'same answers': `${same}/${lite.answers.length}`,
    };
  }));
}

function headline(messages: number, repetitions: number, ingests: Record<Dialect, IngestResult>, latencies: Record<Dialect, Map<string, ShapeLatency>>): void {
  const worstSqlite = slowest(latencies.sqlite);
  const worstPostgres = slowest(latencies.postgres);
  const worst = worstSqlite.p95 >= worstPostgres.p95 ? { ...worstSqlite, dialect: 'sqlite' } : { ...worstPostgres, dialect: 'postgres' };
  printHeadline({
    bench: 'archive',
    unit: 'msg/s',
    messages,
    ingest_sqlite: Math.round(ingests.sqlite.tidings),
    baseline_sqlite: Math.round(ingests.sqlite.baseline),
    ratio_sqlite: Math.round((ingests.sqlite.tidings / ingests.sqlite.baseline) * 100) / 100,
    ingest_postgres: Math.round(ingests.postgres.tidings),
    baseline_postgres: Math.round(ingests.postgres.baseline),
    ratio_postgres: Math.round((ingests.postgres.tidings / ingests.postgres.baseline) * 100) / 100,
    queries_per_shape: repetitions,
    p95_ms_max: round1(worst.p95),
    p95_ms_max_shape: worst.shape,
    p95_ms_max_dialect: worst.dialect,
    p95_ms_max_sqlite: round1(worstSqlite.p95),
    p95_ms_max_sqlite_shape: worstSqlite.shape,
    p95_ms_max_postgres: round1(worstPostgres.p95),
    p95_ms_max_postgres_shape: worstPostgres.shape,
    targets_met:
      ingests.sqlite.tidings >= TARGETS.ingest.sqlite && ingests.postgres.tidings >= TARGETS.ingest.postgres && worst.p95 < TARGETS.p95Ms,
  });
}
