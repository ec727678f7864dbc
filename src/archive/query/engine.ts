/**
 * Answering archive queries fast on a large archive, on both dialects:
 * - the driving index is the most selective one available: a fact table (user, package) by
 *   (name, time) (user, package, agent), else messages by (topic|category, time), else by time;
 * - a page is found as (time, seq) pairs from the index alone, then only its rows are read, so deep
 *   pages do not read the rows of the pages before them;
 * - totals come from the hourly counts when the filters allow (exact, whatever the window), else
 *   from an index count that stops at COUNT_CAP and is then reported as an estimate; when a fact
 *   drives and messages must be joined, from a sample of the candidates, scaled (an estimate).
 */
import { sql, type RawBuilder } from 'kysely';
import { toStoredMessage, type MessageRow, type StoreDatabase, type StoredMessage } from '../../store/index.js';
import type { QueryRequest } from './parameters.js';

/** Beyond this many matches a total is reported as an estimate (a lower bound) instead of counted. */
export const COUNT_CAP = 100_000;
/** How many of the driving fact's candidates a joined count checks before it estimates. */
export const JOIN_SAMPLE = 2_000;
const HOUR = 3_600_000;

export interface QueryResult {
  readonly messages: StoredMessage[];
  readonly total: number;
  /** True when `total` is a lower bound (more than COUNT_CAP matched). */
  readonly totalIsEstimate: boolean;
}

type Fragment = RawBuilder<unknown>;

const FACT_TABLES = { user: 'message_users', package: 'message_packages' } as const;
const DRIVER_TABLES = { ...FACT_TABLES, agent: 'message_agents' } as const;

export class ArchiveQueries {
  constructor(private readonly store: StoreDatabase) {}

  async search(request: QueryRequest): Promise<QueryResult> {
    const { from, where, timeColumn, seqColumn, distinct } = this.plan(request);
    const direction = request.order === 'asc' ? sql`ASC` : sql`DESC`;
    const offset = (request.page - 1) * request.rowsPerPage;
    const pageKeys = await sql<{ seq: number; time: number }>`
      SELECT ${distinct ? sql`DISTINCT ` : sql``}${seqColumn} AS seq, ${timeColumn} AS time
      FROM ${from} WHERE ${where}
      ORDER BY ${timeColumn} ${direction}, ${seqColumn} ${direction}
      LIMIT ${request.rowsPerPage} OFFSET ${offset}`.execute(this.store.db);
    const [messages, counted] = await Promise.all([this.rows(pageKeys.rows), this.total(request)]);
    const order = new Map(pageKeys.rows.map((row, index) => [Number(row.seq), index]));
    messages.sort((a, b) => order.get(a.seq)! - order.get(b.seq)!);
    return { messages, ...counted };
  }

  private async rows(keys: ReadonlyArray<{ seq: number; time: number }>): Promise<StoredMessage[]> {
    if (keys.length === 0) return [];
    const condition =
      this.store.dialect === 'sqlite'
        ? sql`seq IN (${sql.join(keys.map((key) => key.seq))})`
        : sql`(time, seq) IN (${sql.join(keys.map((key) => sql`(${key.time}::bigint, ${key.seq}::bigint)`))})`;
    const result = await sql<MessageRow>`SELECT * FROM messages WHERE ${condition}`.execute(this.store.db);
    return result.rows.map(toStoredMessage);
  }

  /**
   * Every matching message, oldest first, a batch at a time: keyset pages on (time, seq), so an
   * export of millions costs the same per message at the end as at the start.
   */
  async *scan(request: QueryRequest, batchSize = 1_000): AsyncGenerator<StoredMessage> {
    const { from, where, timeColumn, seqColumn, distinct } = this.plan(request);
    let after: { time: number; seq: number } | null = null;
    for (;;) {
      const position: Fragment = after
        ? sql`AND (${timeColumn} > ${after.time} OR (${timeColumn} = ${after.time} AND ${seqColumn} > ${after.seq}))`
        : sql``;
      const keys = await sql<{ seq: number; time: number }>`
        SELECT ${distinct ? sql`DISTINCT ` : sql``}${seqColumn} AS seq, ${timeColumn} AS time
        FROM ${from} WHERE ${where} ${position}
        ORDER BY ${timeColumn} ASC, ${seqColumn} ASC LIMIT ${batchSize}`.execute(this.store.db);
      if (keys.rows.length === 0) return;
      const messages = await this.rows(keys.rows);
      messages.sort((a, b) => a.time - b.time || a.seq - b.seq);
      yield* messages;
      const last = keys.rows.at(-1)!;
      after = { time: Number(last.time), seq: Number(last.seq) };
      if (keys.rows.length < batchSize) return;
    }
  }

  /** Every message in the archive, from the hourly counts. */
  async messageCount(): Promise<number> {
    const result = await sql<{ n: number | string | null }>`SELECT sum(count) AS n FROM message_counts`.execute(this.store.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  /**
   * Matching messages per time bucket (for charts), in one grouped query (the casts keep the division
   * integral: SQLite binds JavaScript numbers as reals): over the hourly counts
   * when the filters allow and buckets are whole hours, else over the index.
   */
  async countsOverTime(request: QueryRequest, bucketMs: number): Promise<Array<{ start: number; count: number }>> {
    let rows: Array<{ bucket: number | string; n: number | string }>;
    if (bucketMs % HOUR === 0 && this.countableByHour(request)) {
      const { topic, category } = request.filters;
      const filters = [
        ...(topic.length ? [sql`topic IN (${sql.join(topic)})`] : []),
        ...(category.length ? [sql`category IN (${sql.join(category)})`] : []),
      ];
      rows = (
        await sql<{ bucket: number; n: number }>`SELECT CAST(hour / ${bucketMs} AS BIGINT) * ${bucketMs} AS bucket, sum(count) AS n FROM message_counts
          WHERE hour >= ${Math.floor(request.start / HOUR) * HOUR} AND hour < ${request.end}
          ${filters.length ? sql`AND ${sql.join(filters, sql` AND `)}` : sql``}
          GROUP BY bucket ORDER BY bucket`.execute(this.store.db)
      ).rows;
    } else {
      const { from, where, timeColumn, seqColumn } = this.plan(request);
      rows = (
        await sql<{ bucket: number; n: number }>`SELECT CAST(${timeColumn} / ${bucketMs} AS BIGINT) * ${bucketMs} AS bucket, count(DISTINCT ${seqColumn}) AS n
          FROM ${from} WHERE ${where} GROUP BY bucket ORDER BY bucket`.execute(this.store.db)
      ).rows;
    }
    const found = new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
    const buckets: Array<{ start: number; count: number }> = [];
    for (let start = Math.floor(request.start / bucketMs) * bucketMs; start < request.end; start += bucketMs) {
      buckets.push({ start: start / 1000, count: found.get(start) ?? 0 });
    }
    return buckets;
  }

  /** One message by id, or undefined. */
  async byId(id: string): Promise<StoredMessage | undefined> {
    const row = await this.store.db.selectFrom('messages').selectAll().where('id', '=', id).limit(1).executeTakeFirst();
    return row ? toStoredMessage(row) : undefined;
  }

  private async total(request: QueryRequest): Promise<{ total: number; totalIsEstimate: boolean }> {
    if (this.countableByHour(request)) return { total: await this.countByHour(request), totalIsEstimate: false };
    const plan = this.plan(request);
    if (!plan.joined || !plan.driverOnly) {
      const n = await this.cappedCount(plan.from, plan.where, plan.seqColumn, plan.distinct);
      return n > COUNT_CAP ? { total: COUNT_CAP, totalIsEstimate: true } : { total: n, totalIsEstimate: false };
    }
    // A fact drives and other filters need each message's row: checking every candidate could mean
    // reading hundreds of thousands of rows. Check the newest JOIN_SAMPLE candidates; when there are
    // more, scale the share that matched to all candidates (counted from the fact index alone).
    const candidates = await this.cappedCount(plan.driverOnly.from, plan.driverOnly.where, sql.ref('d.seq'), plan.distinct);
    const sample = sql`(SELECT d.seq AS seq, d.time AS time FROM ${plan.driverOnly.from} WHERE ${plan.driverOnly.where} ORDER BY d.time DESC LIMIT ${JOIN_SAMPLE}) AS d`;
    // Each sampled candidate is looked up by its key. SQLite keeps a CROSS JOIN's order; PostgreSQL
    // would rather merge with a scan of a whole index, which a LATERAL subquery with LIMIT rules out.
    const sampled = await (this.store.dialect === 'sqlite'
      ? sql<{ n: number | string }>`SELECT count(DISTINCT d.seq) AS n FROM ${sample}
          CROSS JOIN messages AS m ON m.seq = d.seq AND m.time = d.time WHERE ${plan.messageWhere}`
      : sql<{ n: number | string }>`SELECT count(DISTINCT d.seq) AS n FROM ${sample}
          CROSS JOIN LATERAL (SELECT 1 FROM messages AS m WHERE m.seq = d.seq AND m.time = d.time AND ${plan.messageWhere} LIMIT 1) AS hit`
    ).execute(this.store.db);
    const matched = Number(sampled.rows[0]?.n ?? 0);
    if (candidates <= JOIN_SAMPLE) return { total: matched, totalIsEstimate: false };
    return { total: Math.round((matched / JOIN_SAMPLE) * Math.min(candidates, COUNT_CAP)), totalIsEstimate: true };
  }

  /** count(*) that stops after COUNT_CAP + 1 rows. */
  private async cappedCount(from: Fragment, where: Fragment, seqColumn: Fragment, distinct: boolean): Promise<number> {
    const result = await sql<{ n: number | string }>`
      SELECT count(*) AS n FROM (SELECT ${distinct ? sql`DISTINCT ` : sql``}${seqColumn} FROM ${from} WHERE ${where} LIMIT ${COUNT_CAP + 1}) AS capped`.execute(this.store.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Only time, topic and category filters: the hourly counts answer exactly. */
  private countableByHour(request: QueryRequest): boolean {
    const f = request.filters;
    return [f.user, f.package, f.agent, f.contains, f.not_topic, f.not_category, f.not_user, f.not_package, f.not_agent].every((values) => values.length === 0);
  }

  /** Whole hours from the counts table; the partial hours at either end counted from the index. */
  private async countByHour(request: QueryRequest): Promise<number> {
    const { topic, category } = request.filters;
    const firstFullHour = Math.ceil(request.start / HOUR) * HOUR;
    const lastFullHour = Math.floor(request.end / HOUR) * HOUR;
    const matches = (topicColumn: Fragment, categoryColumn: Fragment): Fragment =>
      sql.join(
        [
          sql`1 = 1`,
          ...(topic.length ? [sql`${topicColumn} IN (${sql.join(topic)})`] : []),
          ...(category.length ? [sql`${categoryColumn} IN (${sql.join(category)})`] : []),
        ],
        sql` AND `,
      );
    const exact = async (start: number, end: number): Promise<number> => {
      if (end <= start) return 0;
      const result = await sql<{ n: number | string }>`SELECT count(*) AS n FROM messages
        WHERE time >= ${start} AND time < ${end} AND ${matches(sql.ref('topic'), sql.ref('category'))}`.execute(this.store.db);
      return Number(result.rows[0]?.n ?? 0);
    };
    if (firstFullHour >= lastFullHour) return exact(request.start, request.end);
    const [head, middle, tail] = await Promise.all([
      exact(request.start, firstFullHour),
      sql<{ n: number | string | null }>`SELECT sum(count) AS n FROM message_counts
        WHERE hour >= ${firstFullHour} AND hour < ${lastFullHour} AND ${matches(sql.ref('topic'), sql.ref('category'))}`.execute(this.store.db),
      exact(lastFullHour, request.end),
    ]);
    return head + Number(middle.rows[0]?.n ?? 0) + tail;
  }

  /**
   * FROM and WHERE for a request, driven by the most selective index. A fact-table driver joins
   * `messages` only when a filter needs its columns: a bare "by user" query then reads nothing but
   * the fact table's (name, time, seq) index, which also keeps PostgreSQL from hashing every partition.
   */
  private plan(request: QueryRequest): Plan {
    const f = request.filters;
    const driverConditions: Fragment[] = [];
    const messageConditions: Fragment[] = [];
    const driver = f.user.length ? ('user' as const) : f.package.length ? ('package' as const) : f.agent.length ? ('agent' as const) : null;
    const time = driver ? sql.ref('d.time') : sql.ref('m.time');
    const seq = driver ? sql.ref('d.seq') : sql.ref('m.seq');
    if (driver) driverConditions.push(sql`d.name IN (${sql.join(f[driver])})`);
    driverConditions.push(sql`${time} >= ${request.start}`, sql`${time} < ${request.end}`);
    for (const [name, table] of Object.entries(FACT_TABLES) as Array<['user' | 'package', string]>) {
      if (name !== driver && f[name].length) {
        messageConditions.push(sql`EXISTS (SELECT 1 FROM ${sql.table(table)} AS x WHERE x.seq = ${seq} AND x.name IN (${sql.join(f[name])}))`);
      }
      const excluded = name === 'user' ? f.not_user : f.not_package;
      if (excluded.length) {
        messageConditions.push(sql`NOT EXISTS (SELECT 1 FROM ${sql.table(table)} AS x WHERE x.seq = ${seq} AND x.name IN (${sql.join(excluded)}))`);
      }
    }
    if (f.topic.length) messageConditions.push(sql`m.topic IN (${sql.join(f.topic)})`);
    // A fact table carries its message's category: filtered there, no lookup of the message.
    if (f.category.length) (driver ? driverConditions : messageConditions).push(sql`${driver ? sql.ref('d.category') : sql.ref('m.category')} IN (${sql.join(f.category)})`);
    if (f.agent.length && driver !== 'agent') messageConditions.push(sql`m.agent IN (${sql.join(f.agent)})`);
    if (f.not_topic.length) messageConditions.push(sql`m.topic NOT IN (${sql.join(f.not_topic)})`);
    if (f.not_category.length) {
      const category = driver ? sql.ref('d.category') : sql.ref('m.category');
      (driver ? driverConditions : messageConditions).push(sql`(${category} IS NULL OR ${category} NOT IN (${sql.join(f.not_category)}))`);
    }
    if (f.not_agent.length) messageConditions.push(sql`(m.agent IS NULL OR m.agent NOT IN (${sql.join(f.not_agent)}))`);
    if (f.contains.length) {
      // Case-sensitive substring of the body's JSON text, the same on both dialects.
      const find = (needle: string): Fragment =>
        this.store.dialect === 'sqlite' ? sql`instr(m.body, ${needle}) > 0` : sql`strpos(m.body, ${needle}) > 0`;
      messageConditions.push(sql`(${sql.join(f.contains.map(find), sql` OR `)})`);
    }
    const joined = driver !== null && messageConditions.length > 0;
    // SQLite keeps the tables of a CROSS JOIN in the order written: the fact index drives, as intended.
    const from = !driver
      ? sql`messages AS m`
      : joined
        ? sql`${sql.table(DRIVER_TABLES[driver])} AS d ${this.store.dialect === 'sqlite' ? sql`CROSS JOIN` : sql`JOIN`} messages AS m ON m.seq = d.seq AND m.time = d.time`
        : sql`${sql.table(DRIVER_TABLES[driver])} AS d`;
    const where = sql.join([...driverConditions, ...messageConditions], sql` AND `);
    const messageWhere = messageConditions.length ? sql.join(messageConditions, sql` AND `) : sql`1 = 1`;
    const driverOnly = driver ? { from: sql`${sql.table(DRIVER_TABLES[driver])} AS d`, where: sql.join(driverConditions, sql` AND `) } : null;
    return { from, where, timeColumn: time, seqColumn: seq, distinct: driver !== null && f[driver].length > 1, joined, driverOnly, messageWhere };
  }
}

interface Plan {
  readonly from: Fragment;
  readonly where: Fragment;
  readonly timeColumn: Fragment;
  readonly seqColumn: Fragment;
  /** Several names of the driving fact: one message can match more than once. */
  readonly distinct: boolean;
  /** A fact table drives and messages is joined for further filters. */
  readonly joined: boolean;
  /** The fact table alone, with only its own conditions (for estimates). */
  readonly driverOnly: { readonly from: Fragment; readonly where: Fragment } | null;
  /** The conditions on messages' own columns (true when there are none). */
  readonly messageWhere: Fragment;
}
