/**
 * Who may do what to the bus. Reading its state is open to anyone who can reach the API (as the
 * archive is); looking inside messages and changing anything needs a role given by name in the
 * configuration: `manage.operators` and `manage.admins` list identities (the bearer tokens of
 * `tidings identity create`). Admins can do everything operators can.
 */
import { ManageForbiddenError } from './errors.js';

export const ROLES = ['reader', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The least role each action needs. */
export const ACTION_ROLES = {
  'dead-letters.peek': 'operator',
  'dead-letters.export': 'operator',
  'dead-letters.retry': 'operator',
  'dead-letters.discard': 'operator',
  purge: 'operator',
  move: 'operator',
  'connection.close': 'admin',
  'queue.delete': 'admin',
} as const satisfies Record<string, Role>;

export type ManageAction = keyof typeof ACTION_ROLES;

export interface RoleGrants {
  readonly operators: readonly string[];
  readonly admins: readonly string[];
}

/** The role of a caller: null (no or an invalid token) reads only. */
export function roleOf(caller: string | null, grants: RoleGrants): Role {
  if (caller === null) return 'reader';
  if (grants.admins.includes(caller)) return 'admin';
  if (grants.operators.includes(caller)) return 'operator';
  return 'reader';
}

export function allows(role: Role, action: ManageAction): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(ACTION_ROLES[action]);
}

export function assertAllowed(caller: string | null, role: Role, action: ManageAction): void {
  if (allows(role, action)) return;
  const needed = ACTION_ROLES[action];
  throw new ManageForbiddenError(
    caller === null
      ? `${action} needs the ${needed} role: send a bearer token of an identity listed in manage.${needed}s`
      : `${action} needs the ${needed} role, and "${caller}" is a ${role}: list it in manage.${needed}s to allow it`,
  );
}
