/** Rows ↔ the model's types. PostgreSQL returns BIGINT as text, hence the Number()s. */
import type { DeliveryMode, Destination, DestinationKind, Filters, NotifyUser, QuietHours, Rule, Tracking } from '../model.js';
import type { Selectable } from 'kysely';
import type { NotifyDestinationsTable, NotifyRulesTable, NotifyUsersTable } from './tables.js';

const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

export function toUser(row: NotifyUsersTable): NotifyUser {
  return { name: row.name, email: row.email, isAdmin: Number(row.is_admin) === 1, createdAt: Number(row.created_at) };
}

export function toDestination(row: Selectable<NotifyDestinationsTable>): Destination {
  return {
    id: row.id,
    owner: row.owner,
    kind: row.kind as DestinationKind,
    address: row.address,
    label: row.label,
    verifiedAt: numberOrNull(row.verified_at),
    disabled: Number(row.disabled) === 1,
    delivery: JSON.parse(row.delivery) as DeliveryMode,
    quietHours: row.quiet_hours === null ? null : (JSON.parse(row.quiet_hours) as QuietHours),
    maxPerHour: numberOrNull(row.max_per_hour),
    pausedReason: row.paused_reason,
  };
}

export function toRule(row: NotifyRulesTable, destinations: readonly string[]): Rule {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    tracking: JSON.parse(row.tracking) as Tracking,
    filters: JSON.parse(row.filters) as Filters,
    destinations,
    disabledByAdmin: row.disabled_by_admin,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The indexed rows of what a rule tracks (see notify_rule_tracking). */
export function trackingRows(ruleId: string, tracking: Tracking): { rule_id: string; kind: string; value: string }[] {
  const rows: { rule_id: string; kind: string; value: string }[] = [];
  if (tracking.myEvents) rows.push({ rule_id: ruleId, kind: 'my_events', value: '' });
  if (tracking.myPackages) rows.push({ rule_id: ruleId, kind: 'my_packages', value: '' });
  const lists: [string, readonly string[]][] = [
    ['package', tracking.packages],
    ['user', tracking.users],
    ['group', tracking.groups],
    ['app', tracking.apps],
    ['topic', tracking.topics],
  ];
  for (const [kind, values] of lists) for (const value of values) rows.push({ rule_id: ruleId, kind, value });
  return rows;
}
