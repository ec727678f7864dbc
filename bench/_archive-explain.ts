/**
 * Why a query shape is slow: runs one of its queries again through a Kysely that logs every
 * statement with its duration, then shows the plan of the statements that took the time
 * (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { ArchiveQueries, parseQuery } from '../src/archive/index.js';
import type { Database as Schema, Dialect, StoreDatabase } from '../src/store/index.js';
import type { QueryCase } from './_archive-shapes.js';

export interface Target {
  readonly dialect: Dialect;
  /** The SQLite file, or the PostgreSQL URL. */
  readonly location: string;
}

interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly ms: number;
}

/** Statements at least this slow get their plan shown (the slowest one always does). */
const PLAN_FROM_MS = 5;

const oneLine = (text: string, max = 400): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
};

export async function explainCase(target: Target, shape: string, query: QueryCase, defaultWindowMs: number): Promise<string[]> {
  const statements: Statement[] = [];
  const log = (event: LogEvent): void => {
    if (event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters, ms: event.queryDurationMillis });
  };
  const sqlite = target.dialect === 'sqlite' ? new Database(target.location, { readonly: true }) : null;
  const pool = target.dialect === 'postgres' ? new pg.Pool({ connectionString: target.location, max: 4 }) : null;
  const db = new Kysely<Schema>({ dialect: sqlite ? new SqliteDialect({ database: sqlite }) : new PostgresDialect({ pool: pool! }), log });
  const store: StoreDatabase = { dialect: target.dialect, db, address: target.location, close: () => db.destroy() };
  const out = [`\n${shape} on ${target.dialect}: ${query.params.toString()} (now ${new Date(query.now).toISOString()})`];
  try {
    const request = parseQuery(query.params, { now: query.now, defaultWindowMs });
    const started = performance.now();
    await new ArchiveQueries(store).search(request);
    out.push(`  search took ${(performance.now() - started).toFixed(1)} ms in ${statements.length} statements:`);
    const slowest = Math.max(...statements.map((statement) => statement.ms));
    for (const statement of statements) {
      out.push(`  ${statement.ms.toFixed(1).padStart(7)} ms  ${oneLine(statement.sql)}`);
      out.push(`             parameters: ${oneLine(JSON.stringify(statement.parameters), 200)}`);
      if (statement.ms < PLAN_FROM_MS && statement.ms < slowest) continue;
      const plan = sqlite ? sqlitePlan(sqlite, statement) : await postgresPlan(pool!, statement);
      out.push(...plan.map((line) => `             | ${line}`));
    }
  } finally {
    await db.destroy();
  }
  return out;
}

function sqlitePlan(database: Database.Database, statement: Statement): string[] {
  const rows = database.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...(statement.parameters as unknown[])) as Array<{ id: number; parent: number; detail: string }>;
  const depth = new Map<number, number>([[0, 0]]);
  return rows.map((row) => {
    const level = (depth.get(row.parent) ?? 0) + 1;
    depth.set(row.id, level);
    return `${'  '.repeat(level - 1)}${row.detail}`;
  });
}

async function postgresPlan(pool: pg.Pool, statement: Statement): Promise<string[]> {
  const result = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.parameters as unknown[]);
  return collapsePartitions(result.rows.map((row) => row['QUERY PLAN']));
}

interface PlanNode {
  readonly lines: string[];
  readonly indent: number;
  readonly children: PlanNode[];
}

/** The same step under an Append for each monthly partition: shown once, with how many more there were. */
export function collapsePartitions(lines: readonly string[]): string[] {
  const root: PlanNode = { lines: [], indent: -1, children: [] };
  const path: PlanNode[] = [root];
  for (const line of lines) {
    const arrow = line.indexOf('->  ');
    const isNode = path.length === 1 || (arrow >= 0 && line.slice(0, arrow).trim() === '');
    if (!isNode) {
      path.at(-1)!.lines.push(line);
      continue;
    }
    const indent = arrow >= 0 ? arrow : 0;
    while (path.length > 1 && path.at(-1)!.indent >= indent) path.pop();
    const node: PlanNode = { lines: [line], indent, children: [] };
    path.at(-1)!.children.push(node);
    path.push(node);
  }
  const signature = (node: PlanNode): string =>
    [...node.lines, ...node.children.map(signature)].join('\n').replace(/messages_\d{4}_\d{2}/g, 'messages_P').replace(/\b(m|d|x)_\d+\b/g, '$1_N').replace(/\d+(\.\d+)?/g, '#');
  const out: string[] = [];
  const emit = (node: PlanNode): void => {
    out.push(...node.lines);
    for (let i = 0; i < node.children.length; ) {
      const child = node.children[i]!;
      let same = 1;
      while (i + same < node.children.length && signature(node.children[i + same]!) === signature(child)) same++;
      emit(child);
      if (same > 1) out.push(`${' '.repeat(child.indent)}->  … ${same - 1} more like it (one per partition)`);
      i += same;
    }
  };
  emit(root);
  return out;
}
