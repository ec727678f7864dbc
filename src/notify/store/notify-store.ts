/**
 * The notifier's state in the database: users, their destinations and rules, who owns which package
 * and who is in which group, and notifications waiting for a digest. Every change a person makes
 * names the acting user and is refused unless it is theirs; admins may list rules and switch them
 * off. Every change the matcher cares about is logged in a feed (`changesSince`) it polls cheaply.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { StoreDatabase } from '../../store/index.js';
import { DestinationValidationError, NotifyAccessError, NotifyConflictError, NotifyNotFoundError, VerificationError } from '../errors.js';
import type { Destination, GroupMembership, MatchReason, NotifyUser, PackageOwnership, Rule } from '../model.js';
import { destinationIdsOf, isAccountName, validateDestination, validateRule, type DestinationFacts, type RuleInput, type ValidDestination } from '../validate.js';
import { OwnershipTables, type OwnershipImport } from './ownership-tables.js';
import { toDestination, toRule, toUser, trackingRows } from './rows.js';
import type { NotifyRulesTable, NotifyTables } from './tables.js';
import { CODE_LIFETIME_MS, codeMatches, hashCode, MAX_CODE_ATTEMPTS, newCode } from './verification-code.js';

export type NotifyDb = Kysely<NotifyTables>;

export const DEFAULT_RULE_NAME = 'My events and packages';

export type ChangeKind = 'rule' | 'destination' | 'package' | 'group' | 'user';

export interface Change {
  readonly seq: number;
  readonly kind: ChangeKind;
  /** The rule or destination id, the package, group or user name; `*` for all of that kind. */
  readonly key: string;
}

/** What a rule lookup asks for: rules that follow this package, user, group or application. */
export type TrackingQuery = { readonly package: string } | { readonly user: string } | { readonly group: string } | { readonly app: string };

export interface PendingNotification {
  readonly destinationId: string;
  readonly messageId: string;
  readonly reasons: readonly MatchReason[];
  readonly createdAt: number;
}

const newId = (prefix: string): string => `${prefix}${randomBytes(9).toString('base64url')}`;

export class NotifyStore {
  readonly db: NotifyDb;
  private readonly ownership: OwnershipTables;

  constructor(store: StoreDatabase) {
    this.db = store.db as unknown as NotifyDb;
    this.ownership = new OwnershipTables(this.db, (db, kind, key) => this.logChange(db, kind, key));
  }

  // ---- users ----

  async getUser(name: string): Promise<NotifyUser | undefined> {
    const row = await this.db.selectFrom('notify_users').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  /**
   * The user, created on first sight with sensible defaults: a web inbox (confirmed from the start)
   * and one rule, "My events and packages", sending both to it.
   */
  async ensureUser(name: string, options: { email?: string | null } = {}): Promise<NotifyUser> {
    if (!isAccountName(name)) throw new NotifyNotFoundError(`${JSON.stringify(String(name).slice(0, 64))} is not an account name`);
    const existing = await this.getUser(name);
    if (existing) return existing;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('notify_users')
        .values({ name, email: options.email ?? null, is_admin: 0, created_at: now })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return; // created meanwhile by another request
      const inbox = newId('d-');
      await trx
        .insertInto('notify_destinations')
        .values({ id: inbox, owner: name, kind: 'inbox', address: '', label: 'Web inbox', verified_at: now, disabled: 0, delivery: JSON.stringify({ kind: 'immediate' }), quiet_hours: null, max_per_hour: null, code_hash: null, code_expires_at: null, code_attempts: 0, created_at: now })
        .execute();
      const rule = validateRule(
        { name: DEFAULT_RULE_NAME, tracking: { myEvents: true, myPackages: true }, destinations: [inbox] },
        { owner: name, destinations: new Map([[inbox, { owner: name, verifiedAt: now }]]) },
      );
      await this.insertRule(trx, newId('r-'), name, rule, now);
      await this.logChange(trx, 'user', name);
    });
    return (await this.getUser(name))!;
  }

  /** Grants or withdraws admin rights (from the CLI or the login's claims, never from a request). */
  async setAdmin(name: string, isAdmin: boolean): Promise<void> {
    await this.ensureUser(name);
    await this.db.updateTable('notify_users').set({ is_admin: isAdmin ? 1 : 0 }).where('name', '=', name).execute();
  }

  private async requireAdmin(actor: string): Promise<void> {
    const user = await this.getUser(actor);
    if (!user?.isAdmin) throw new NotifyAccessError(`${actor} is not an administrator of notifications`);
  }

  // ---- destinations ----

  async destinations(actor: string): Promise<Destination[]> {
    const rows = await this.db.selectFrom('notify_destinations').selectAll().where('owner', '=', actor).orderBy('created_at').orderBy('id').execute();
    return rows.map(toDestination);
  }

  async getDestination(actor: string, id: string): Promise<Destination> {
    return toDestination(await this.ownedDestination(actor, id));
  }

  /** Any destination by id, whoever owns it: for delivery, never for a person's request. */
  async destinationById(id: string): Promise<Destination | undefined> {
    const row = await this.db.selectFrom('notify_destinations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toDestination(row) : undefined;
  }

  private async ownedDestination(actor: string, id: string) {
    const row = await this.db.selectFrom('notify_destinations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotifyNotFoundError(`there is no destination ${JSON.stringify(id)}`);
    if (row.owner !== actor) throw new NotifyAccessError(`destination ${JSON.stringify(id)} is not ${actor}'s: only its owner may see or change it`);
    return row;
  }

  /**
   * Adds an unconfirmed destination and returns it with its confirmation code, to be sent to the
   * address (the code is kept only as a hash). Rules may use it once `verifyDestination` succeeds.
   */
  async addDestination(actor: string, input: unknown): Promise<{ destination: Destination; code: string }> {
    const valid: ValidDestination = validateDestination(input);
    await this.ensureUser(actor);
    const id = newId('d-');
    const code = newCode();
    const now = Date.now();
    await this.db
      .insertInto('notify_destinations')
      .values({
        id, owner: actor, kind: valid.kind, address: valid.address, label: valid.label, verified_at: null, disabled: 0,
        delivery: JSON.stringify(valid.delivery), quiet_hours: valid.quietHours ? JSON.stringify(valid.quietHours) : null, max_per_hour: valid.maxPerHour,
        code_hash: hashCode(id, code), code_expires_at: now + CODE_LIFETIME_MS, code_attempts: 0, created_at: now,
      })
      .execute();
    return { destination: await this.getDestination(actor, id), code };
  }

  /** A fresh code for an unconfirmed destination (the old one stops working, attempts start over). */
  async renewCode(actor: string, id: string): Promise<string> {
    const row = await this.ownedDestination(actor, id);
    if (row.verified_at !== null) throw new VerificationError(`destination ${id} is already confirmed`, 'already-verified');
    const code = newCode();
    await this.db.updateTable('notify_destinations').set({ code_hash: hashCode(id, code), code_expires_at: Date.now() + CODE_LIFETIME_MS, code_attempts: 0 }).where('id', '=', id).execute();
    return code;
  }

  /** Confirms a destination with the code sent to it; a few wrong tries use the code up. */
  async verifyDestination(actor: string, id: string, code: string): Promise<Destination> {
    const row = await this.ownedDestination(actor, id);
    if (row.verified_at !== null) return toDestination(row);
    if (row.code_hash === null) throw new VerificationError(`destination ${id} has no code waiting: ask for a new one`, 'no-code');
    if (Number(row.code_expires_at) < Date.now()) throw new VerificationError(`the code for destination ${id} has expired: ask for a new one`, 'expired');
    // Count the attempt before comparing, atomically: parallel guesses cannot exceed the limit.
    const counted = await this.db
      .updateTable('notify_destinations')
      .set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
      .where('id', '=', id)
      .where('code_attempts', '<', MAX_CODE_ATTEMPTS)
      .executeTakeFirst();
    if (Number(counted.numUpdatedRows) === 0) {
      throw new VerificationError(`too many wrong codes for destination ${id}: ask for a new one`, 'too-many-attempts');
    }
    if (!codeMatches(id, code, row.code_hash)) throw new VerificationError(`that is not the code sent to destination ${id}`, 'wrong-code');
    await this.db.updateTable('notify_destinations').set({ verified_at: Date.now(), code_hash: null, code_expires_at: null, code_attempts: 0 }).where('id', '=', id).execute();
    await this.logChange(this.db, 'destination', id);
    return this.getDestination(actor, id);
  }

  async setDestinationDisabled(actor: string, id: string, disabled: boolean): Promise<Destination> {
    await this.ownedDestination(actor, id);
    await this.db.updateTable('notify_destinations').set({ disabled: disabled ? 1 : 0 }).where('id', '=', id).execute();
    await this.logChange(this.db, 'destination', id);
    return this.getDestination(actor, id);
  }

  /**
   * Changes how a destination delivers (label, immediate or digest, quiet hours, hourly limit). Its
   * kind and address stay: a new address must be proven, so it is a new destination.
   */
  async updateDestination(actor: string, id: string, patch: unknown): Promise<Destination> {
    const row = await this.ownedDestination(actor, id);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new DestinationValidationError('destination', 'must be an object');
    const given = patch as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (key === 'kind' || key === 'address') {
        if (given[key] !== (key === 'kind' ? row.kind : row.address)) throw new DestinationValidationError(key, `cannot be changed: add a new destination (it is confirmed anew) and delete this one`);
      } else if (!['label', 'delivery', 'quietHours', 'maxPerHour'].includes(key)) {
        throw new DestinationValidationError(key, 'is not a destination field (expected label, delivery, quietHours, maxPerHour)');
      }
    }
    const current = toDestination(row);
    // The inbox's "address" is empty, which validation refuses for the others: check the rest alone.
    const valid = validateDestination({
      kind: row.kind === 'inbox' ? 'webhook' : row.kind,
      address: row.kind === 'inbox' ? 'https://inbox.invalid/' : row.address,
      label: given['label'] ?? current.label,
      delivery: given['delivery'] ?? current.delivery,
      quietHours: 'quietHours' in given ? given['quietHours'] : current.quietHours,
      maxPerHour: 'maxPerHour' in given ? given['maxPerHour'] : current.maxPerHour,
    });
    await this.db
      .updateTable('notify_destinations')
      .set({ label: valid.label, delivery: JSON.stringify(valid.delivery), quiet_hours: valid.quietHours ? JSON.stringify(valid.quietHours) : null, max_per_hour: valid.maxPerHour })
      .where('id', '=', id)
      .execute();
    await this.logChange(this.db, 'destination', id);
    return this.getDestination(actor, id);
  }

  /** Takes a destination out of its pause (it bounced, the peer refused it) once its owner fixed the cause. */
  async resumeDestination(actor: string, id: string): Promise<Destination> {
    await this.ownedDestination(actor, id);
    await this.db.updateTable('notify_destinations').set({ paused_reason: null, failures: 0 }).where('id', '=', id).execute();
    await this.logChange(this.db, 'destination', id);
    return this.getDestination(actor, id);
  }

  /** Deletes a destination no rule uses any more; the inbox stays. */
  async deleteDestination(actor: string, id: string): Promise<void> {
    const row = await this.ownedDestination(actor, id);
    if (row.kind === 'inbox') throw new NotifyConflictError('the web inbox cannot be deleted: remove it from your rules instead');
    const users = await this.db
      .selectFrom('notify_rule_destinations')
      .innerJoin('notify_rules', 'notify_rules.id', 'notify_rule_destinations.rule_id')
      .select('notify_rules.name')
      .where('notify_rule_destinations.destination_id', '=', id)
      .execute();
    if (users.length > 0) {
      throw new NotifyConflictError(`destination ${id} is used by ${users.map((rule) => `rule '${rule.name}'`).join(', ')}: remove it from them first`);
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_pending').where('destination_id', '=', id).execute();
      await trx.deleteFrom('notify_destinations').where('id', '=', id).execute();
      await this.logChange(trx, 'destination', id);
    });
  }

  // ---- rules ----

  async rules(actor: string): Promise<Rule[]> {
    return this.loadRules(this.db.selectFrom('notify_rules').selectAll().where('owner', '=', actor));
  }

  async getRule(actor: string, id: string): Promise<Rule> {
    const row = await this.ownedRule(actor, id);
    return (await this.withDestinations([row]))[0]!;
  }

  private async ownedRule(actor: string, id: string) {
    const row = await this.db.selectFrom('notify_rules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotifyNotFoundError(`there is no rule ${JSON.stringify(id)}`);
    if (row.owner !== actor) throw new NotifyAccessError(`rule ${JSON.stringify(id)} is not ${actor}'s: only its owner may see or change it`);
    return row;
  }

  private async destinationFacts(input: unknown): Promise<Map<string, DestinationFacts>> {
    const ids = destinationIdsOf(input);
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('notify_destinations').select(['id', 'owner', 'verified_at']).where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, { owner: row.owner, verifiedAt: row.verified_at === null ? null : Number(row.verified_at) }]));
  }

  async createRule(actor: string, input: RuleInput | unknown): Promise<Rule> {
    await this.ensureUser(actor);
    const valid = validateRule(input, { owner: actor, destinations: await this.destinationFacts(input) });
    const id = newId('r-');
    await this.db.transaction().execute((trx) => this.insertRule(trx, id, actor, valid, Date.now()));
    return this.getRule(actor, id);
  }

  private async insertRule(trx: Transaction<NotifyTables>, id: string, owner: string, rule: ReturnType<typeof validateRule>, now: number): Promise<void> {
    await trx
      .insertInto('notify_rules')
      .values({ id, owner, name: rule.name, enabled: rule.enabled ? 1 : 0, tracking: JSON.stringify(rule.tracking), filters: JSON.stringify(rule.filters), disabled_by_admin: null, created_at: now, updated_at: now })
      .execute();
    await this.writeRuleIndex(trx, id, rule);
    await this.logChange(trx, 'rule', id);
  }

  private async writeRuleIndex(trx: Transaction<NotifyTables>, id: string, rule: ReturnType<typeof validateRule>): Promise<void> {
    await trx.deleteFrom('notify_rule_tracking').where('rule_id', '=', id).execute();
    await trx.deleteFrom('notify_rule_destinations').where('rule_id', '=', id).execute();
    const tracked = trackingRows(id, rule.tracking);
    if (tracked.length > 0) await trx.insertInto('notify_rule_tracking').values(tracked).execute();
    const destinations = rule.destinations.map((destination_id, position) => ({ rule_id: id, destination_id, position }));
    if (destinations.length > 0) await trx.insertInto('notify_rule_destinations').values(destinations).execute();
  }

  /** Changes a rule: the fields given replace the rule's (tracking and filters as a whole). */
  async updateRule(actor: string, id: string, patch: Partial<RuleInput>): Promise<Rule> {
    const current = await this.getRule(actor, id);
    const merged = {
      name: current.name,
      enabled: current.enabled,
      tracking: current.tracking,
      filters: current.filters,
      destinations: current.destinations,
      ...(typeof patch === 'object' && patch !== null ? patch : {}),
    };
    const valid = validateRule(merged, { owner: actor, destinations: await this.destinationFacts(merged) });
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('notify_rules')
        .set({ name: valid.name, enabled: valid.enabled ? 1 : 0, tracking: JSON.stringify(valid.tracking), filters: JSON.stringify(valid.filters), updated_at: Date.now() })
        .where('id', '=', id)
        .execute();
      await this.writeRuleIndex(trx, id, valid);
      await this.logChange(trx, 'rule', id);
    });
    return this.getRule(actor, id);
  }

  async setRuleEnabled(actor: string, id: string, enabled: boolean): Promise<Rule> {
    await this.ownedRule(actor, id);
    await this.db.updateTable('notify_rules').set({ enabled: enabled ? 1 : 0, updated_at: Date.now() }).where('id', '=', id).execute();
    await this.logChange(this.db, 'rule', id);
    return this.getRule(actor, id);
  }

  async deleteRule(actor: string, id: string): Promise<void> {
    await this.ownedRule(actor, id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_rule_tracking').where('rule_id', '=', id).execute();
      await trx.deleteFrom('notify_rule_destinations').where('rule_id', '=', id).execute();
      await trx.deleteFrom('notify_rules').where('id', '=', id).execute();
      await this.logChange(trx, 'rule', id);
    });
  }

  /** Admins: every rule, or one user's. */
  async adminListRules(admin: string, options: { owner?: string } = {}): Promise<Rule[]> {
    await this.requireAdmin(admin);
    let query = this.db.selectFrom('notify_rules').selectAll();
    if (options.owner !== undefined) query = query.where('owner', '=', options.owner);
    return this.loadRules(query);
  }

  /** Admins: switch a rule off, with the reason its owner will see. `null` switches it back on. */
  async adminDisableRule(admin: string, id: string, reason: string | null): Promise<void> {
    await this.requireAdmin(admin);
    const text = reason === null ? null : reason.trim().slice(0, 500);
    if (text === '') throw new NotifyConflictError('say why the rule is disabled: its owner sees the reason');
    const result = await this.db.updateTable('notify_rules').set({ disabled_by_admin: text, updated_at: Date.now() }).where('id', '=', id).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotifyNotFoundError(`there is no rule ${JSON.stringify(id)}`);
    await this.logChange(this.db, 'rule', id);
  }

  /** Every rule, for the matcher to index (enabled or not: it skips those switched off). */
  async allRules(): Promise<Rule[]> {
    return this.loadRules(this.db.selectFrom('notify_rules').selectAll());
  }

  /** Rules by id (the matcher reloads those the feed names); missing ids were deleted. */
  async rulesById(ids: readonly string[]): Promise<Rule[]> {
    if (ids.length === 0) return [];
    return this.loadRules(this.db.selectFrom('notify_rules').selectAll().where('id', 'in', ids));
  }

  /**
   * Rules that follow a package (by name, or as "my packages" of one of its owners), a user (by
   * name, or as "my events" of that user), a group or an application. Indexed lookups only.
   */
  async rulesTracking(query: TrackingQuery): Promise<Rule[]> {
    const [kind, value] = Object.entries(query)[0] as [keyof TrackingQuery & string, string];
    const direct = this.db.selectFrom('notify_rule_tracking').select('rule_id').where('kind', '=', kind).where('value', '=', value);
    let ids = direct;
    if (kind === 'package') {
      ids = direct.union(
        this.db
          .selectFrom('notify_rule_tracking')
          .innerJoin('notify_rules', 'notify_rules.id', 'notify_rule_tracking.rule_id')
          .innerJoin('notify_package_owners', 'notify_package_owners.username', 'notify_rules.owner')
          .select('notify_rule_tracking.rule_id')
          .where('notify_rule_tracking.kind', '=', 'my_packages')
          .where('notify_rule_tracking.value', '=', '')
          .where('notify_package_owners.package', '=', value),
      );
    } else if (kind === 'user') {
      ids = direct.union(
        this.db
          .selectFrom('notify_rule_tracking')
          .innerJoin('notify_rules', 'notify_rules.id', 'notify_rule_tracking.rule_id')
          .select('notify_rule_tracking.rule_id')
          .where('notify_rule_tracking.kind', '=', 'my_events')
          .where('notify_rule_tracking.value', '=', '')
          .where('notify_rules.owner', '=', value),
      );
    }
    const ruleIds = (await ids.execute()).map((row) => row.rule_id);
    return this.rulesById(ruleIds);
  }

  private async loadRules(query: SelectQueryBuilder<NotifyTables, 'notify_rules', NotifyRulesTable>): Promise<Rule[]> {
    return this.withDestinations(await query.orderBy('owner').orderBy('created_at').orderBy('id').execute());
  }

  private async withDestinations(rows: readonly NotifyRulesTable[]): Promise<Rule[]> {
    if (rows.length === 0) return [];
    const byRule = new Map<string, string[]>();
    // Chunked: a parameter list has limits (SQLite's 32,766) and allRules may load many rules.
    for (let start = 0; start < rows.length; start += 5_000) {
      const ids = rows.slice(start, start + 5_000).map((row) => row.id);
      const links = await this.db.selectFrom('notify_rule_destinations').selectAll().where('rule_id', 'in', ids).orderBy('rule_id').orderBy('position').execute();
      for (const link of links) {
        let list = byRule.get(link.rule_id);
        if (!list) byRule.set(link.rule_id, (list = []));
        list.push(link.destination_id);
      }
    }
    return rows.map((row) => toRule(row, byRule.get(row.id) ?? []));
  }

  // ---- the change feed ----

  private async logChange(db: NotifyDb | Transaction<NotifyTables>, kind: ChangeKind, key: string): Promise<void> {
    await db.insertInto('notify_changes').values({ kind, key, time: Date.now() }).execute();
  }

  /** The newest change's number: poll it, and read `changesSince` when it moved. 0 before any change. */
  async version(): Promise<number> {
    const row = await this.db.selectFrom('notify_changes').select((eb) => eb.fn.max('seq').as('latest')).executeTakeFirst();
    return Number(row?.latest ?? 0);
  }

  /** Changes after `seq`, oldest first, at most `limit`. */
  async changesSince(seq: number, limit = 1_000): Promise<Change[]> {
    const rows = await this.db.selectFrom('notify_changes').select(['seq', 'kind', 'key']).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ seq: Number(row.seq), kind: row.kind as ChangeKind, key: row.key }));
  }

  /** Forgets changes older than `time` (epoch ms); a matcher that far behind reloads everything. */
  async pruneChanges(time: number): Promise<number> {
    const result = await this.db.deleteFrom('notify_changes').where('time', '<', time).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- ownership and membership (from the bus, or an import) ----

  readonly setOwner = (pkg: string, user: string): Promise<void> => this.ownership.setOwner(pkg, user);
  readonly removeOwner = (pkg: string): Promise<void> => this.ownership.removeOwner(pkg);
  readonly addComaintainer = (pkg: string, user: string): Promise<void> => this.ownership.addComaintainer(pkg, user);
  readonly removeComaintainer = (pkg: string, user: string): Promise<void> => this.ownership.removeComaintainer(pkg, user);
  readonly removePackage = (pkg: string): Promise<void> => this.ownership.removePackage(pkg);
  readonly ownersOf = (pkg: string): Promise<PackageOwnership[]> => this.ownership.ownersOf(pkg);
  readonly packagesOf = (user: string): Promise<PackageOwnership[]> => this.ownership.packagesOf(user);
  readonly addMember = (group: string, user: string): Promise<void> => this.ownership.addMember(group, user);
  readonly removeMember = (group: string, user: string): Promise<void> => this.ownership.removeMember(group, user);
  readonly membersOf = (group: string): Promise<GroupMembership[]> => this.ownership.membersOf(group);
  readonly groupsOf = (user: string): Promise<GroupMembership[]> => this.ownership.groupsOf(user);
  readonly allOwners = (): Promise<PackageOwnership[]> => this.ownership.allOwners();
  readonly allMembers = (): Promise<GroupMembership[]> => this.ownership.allMembers();
  /** Replaces the listed packages' owners and groups' members, in one transaction. */
  readonly replaceOwnership = (entries: OwnershipImport): Promise<void> => this.ownership.replace(entries);

  // ---- notifications waiting for a digest ----

  /** Queues a notification for a destination's digest; false when it was queued already (a redelivery). */
  async addPending(destinationId: string, messageId: string, reasons: readonly MatchReason[]): Promise<boolean> {
    const result = await this.db
      .insertInto('notify_pending')
      .values({ destination_id: destinationId, message_id: messageId, reasons: JSON.stringify(reasons), created_at: Date.now() })
      .onConflict((conflict) => conflict.columns(['destination_id', 'message_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async pending(destinationId: string, limit = 1_000): Promise<PendingNotification[]> {
    const rows = await this.db.selectFrom('notify_pending').selectAll().where('destination_id', '=', destinationId).orderBy('created_at').orderBy('message_id').limit(limit).execute();
    return rows.map((row) => ({ destinationId: row.destination_id, messageId: row.message_id, reasons: JSON.parse(row.reasons) as MatchReason[], createdAt: Number(row.created_at) }));
  }

  /** Removes what a sent digest carried. */
  async clearPending(destinationId: string, messageIds: readonly string[]): Promise<number> {
    if (messageIds.length === 0) return 0;
    const result = await this.db.deleteFrom('notify_pending').where('destination_id', '=', destinationId).where('message_id', 'in', messageIds).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
