/**
 * The audit trail of management actions, in the database next to the rest of serve's state (both
 * dialects): who asked for what, on which object, with which role, and what came of it — refusals
 * included, since "who tried to purge the archive queue" is a question operators ask.
 */
import type { Kysely } from 'kysely';
import type { StoreDatabase } from '../store/index.js';
import type { Role } from './roles.js';

interface ManageAuditTable {
  id: number | undefined;
  at: number;
  actor: string;
  role: string;
  action: string;
  target: string;
  detail: string;
  outcome: string;
  affected: number;
}

type AuditDb = Kysely<{ manage_audit: ManageAuditTable }>;

/** `done`, `refused` (a guard or the role said no), or `failed` (the broker could not). */
export type AuditOutcome = 'done' | 'refused' | 'failed';

export interface AuditRecord {
  readonly id: number;
  /** Epoch ms. */
  readonly at: number;
  /** The identity (token) or account that asked; `anonymous` without one. */
  readonly actor: string;
  readonly role: Role;
  /** e.g. `purge`, `dead-letters.retry`, `connection.close`. */
  readonly action: string;
  /** The queue or connection acted on. */
  readonly target: string;
  /** What was asked beyond the target (selection, destination queue, reason). */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly outcome: AuditOutcome;
  /** Messages (or objects) the action took. */
  readonly affected: number;
  /** Why it was refused or failed. */
  readonly error?: string;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export class AuditStore {
  private readonly db: AuditDb;

  constructor(store: StoreDatabase) {
    this.db = store.db as unknown as AuditDb;
  }

  async record(entry: NewAuditRecord): Promise<AuditRecord> {
    const detail = JSON.stringify(entry.error === undefined ? entry.detail : { ...entry.detail, error: entry.error });
    const row = await this.db
      .insertInto('manage_audit')
      .values({ id: undefined, at: entry.at, actor: entry.actor, role: entry.role, action: entry.action, target: entry.target, detail, outcome: entry.outcome, affected: entry.affected })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ...entry, id: Number(row.id) };
  }

  /** The newest records first, at most `limit`, optionally only before an id (paging back). */
  async list(limit: number, beforeId?: number): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('manage_audit').selectAll().orderBy('id', 'desc').limit(limit);
    if (beforeId !== undefined) query = query.where('id', '<', beforeId);
    const rows = await query.execute();
    return rows.map((row) => {
      const detail = JSON.parse(row.detail) as Record<string, unknown>;
      const { error, ...rest } = detail;
      return {
        id: Number(row.id),
        at: Number(row.at),
        actor: row.actor,
        role: row.role as Role,
        action: row.action,
        target: row.target,
        detail: rest,
        outcome: row.outcome as AuditOutcome,
        affected: Number(row.affected),
        ...(typeof error === 'string' ? { error } : {}),
      };
    });
  }
}
