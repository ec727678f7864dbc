/**
 * Ownership from the bus: the package database says who owns and co-maintains which package, the
 * account system who is in which group. `ownershipChanges` reads one message (a pure function of
 * it); `OwnershipTracker` consumes a durable queue and applies the changes to the store.
 *
 * The package database speaks per branch; the notifier knows a package's owner and co-maintainers
 * as a whole. The rule: the point of contact of the development branch (rawhide, also spelled
 * master/main/devel) is the owner; anyone who owns or may commit to any branch is at least a
 * co-maintainer; and rights are only taken away by what concerns the development branch or the whole
 * package (an EPEL branch retired or orphaned leaves Fedora's owner alone). Rather an extra
 * notification than a maintainer silently hearing nothing.
 */
import type { Logger } from 'pino';
import type { Bus, Consumer, ReceivedMessage } from '../bus/index.js';
import type { Body } from '../message/index.js';
import { relativeTopic } from '../schemas/index.js';
import type { NotifyStore } from './store/index.js';
import { isAccountName, isPackageName } from './validate.js';

export const OWNERSHIP_QUEUE = 'tidings.notify.ownership';

const PKGDB_EVENTS = [
  'package.new',
  'owner.update',
  'acl.update',
  'acl.user.remove',
  'acl.delete',
  'package.retire',
  'package.update.status',
  'package.delete',
] as const;
const ACCOUNT_EVENTS = ['group.member.sponsor', 'group.member.add', 'group.member.remove', 'role.update'] as const;

/** The queue's bindings: only the events that change ownership or membership, with or without a topic prefix. */
export const OWNERSHIP_BINDINGS: readonly string[] = [
  ...PKGDB_EVENTS.map((event) => `#.pkgdb.${event}`),
  ...ACCOUNT_EVENTS.map((event) => `#.fas.${event}`),
];

/** Branch names the package database has used for the development branch. */
const DEVELOPMENT_BRANCHES: ReadonlySet<string> = new Set(['rawhide', 'master', 'main', 'devel']);
/** ACLs that make someone a co-maintainer (watching does not). */
const MAINTAINING_ACLS: ReadonlySet<string> = new Set(['commit', 'approveacls']);
/** ACL statuses that take a right away ("Awaiting Review" is a request, not a change). */
const REVOKED: ReadonlySet<string> = new Set(['Removed', 'Obsolete', 'Denied']);
const NOBODY = 'orphan';

export type OwnershipChange =
  /** The point of contact of a branch: owner on the development branch (or when the package has none), else co-maintainer. */
  | { readonly op: 'pointOfContact'; readonly package: string; readonly user: string; readonly development: boolean }
  | { readonly op: 'removeOwner'; readonly package: string }
  | { readonly op: 'addComaintainer'; readonly package: string; readonly user: string }
  | { readonly op: 'removeComaintainer'; readonly package: string; readonly user: string }
  | { readonly op: 'removePackage'; readonly package: string }
  | { readonly op: 'addMember'; readonly group: string; readonly user: string }
  | { readonly op: 'removeMember'; readonly group: string; readonly user: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A person as FAS and Noggin write them: `"ralph"`, `{"username": "ralph"}`, `{"name": …}` or `["ralph"]`. */
function nameOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return nameOf(value[0]);
  return text(value) ?? text(field(value, 'username')) ?? text(field(value, 'name'));
}

interface Listing {
  readonly package: string;
  readonly development: boolean;
  readonly pointOfContact: string | undefined;
}

/** A package listing of the rpms namespace (other namespaces are not `packages` facts, so not tracked). */
function listingOf(value: unknown): Listing | undefined {
  const pkg = field(value, 'package');
  const name = text(field(pkg, 'name'));
  const namespace = text(field(pkg, 'namespace')) ?? 'rpms';
  if (!name || !isPackageName(name) || (namespace !== 'rpms' && namespace !== 'rpms-checks')) return undefined;
  const branch = text(field(field(value, 'collection'), 'branchname'));
  const contact = text(field(value, 'point_of_contact')) ?? text(field(value, 'owner'));
  return { package: name, development: branch === undefined || DEVELOPMENT_BRANCHES.has(branch), pointOfContact: contact };
}

function contactChange(listing: Listing): OwnershipChange[] {
  const user = listing.pointOfContact;
  if (user === NOBODY) return listing.development ? [{ op: 'removeOwner', package: listing.package }] : [];
  if (!isAccountName(user)) return [];
  return [{ op: 'pointOfContact', package: listing.package, user, development: listing.development }];
}

function aclChange(listing: Listing | undefined, acl: unknown, status: unknown, user: string | undefined): OwnershipChange[] {
  if (!listing || !isAccountName(user) || user === NOBODY || typeof acl !== 'string' || !MAINTAINING_ACLS.has(acl)) return [];
  if (status === 'Approved') return [{ op: 'addComaintainer', package: listing.package, user }];
  if (typeof status === 'string' && REVOKED.has(status) && listing.development) return [{ op: 'removeComaintainer', package: listing.package, user }];
  return [];
}

function pkgdbChanges(event: string, body: Body): OwnershipChange[] {
  const listing = listingOf(body['package_listing']);
  switch (event) {
    case 'package.new':
    case 'owner.update':
      return listing ? contactChange(listing) : [];
    case 'acl.update':
      return aclChange(listing, body['acl'], body['status'], text(body['username']));
    case 'acl.delete': {
      const acl = body['acl'];
      return aclChange(listingOf(field(acl, 'packagelist')), field(acl, 'acl'), 'Removed', text(field(acl, 'fas_name')));
    }
    case 'acl.user.remove': {
      const user = text(body['username']);
      const listings = Array.isArray(body['package_listings']) ? body['package_listings'].map(listingOf) : [];
      return listings.flatMap((item) => (item?.development && isAccountName(user) ? [{ op: 'removeComaintainer' as const, package: item.package, user }] : []));
    }
    case 'package.retire':
      return listing?.development ? [{ op: 'removePackage', package: listing.package }] : [];
    case 'package.update.status': {
      if (!listing) return [];
      const status = body['status'];
      if (status === 'Retired' || status === 'Removed') return listing.development ? [{ op: 'removePackage', package: listing.package }] : [];
      if (status === 'Orphaned') return listing.development ? [{ op: 'removeOwner', package: listing.package }] : [];
      if (status === 'Approved') return contactChange(listing);
      return [];
    }
    case 'package.delete': {
      const pkg = body['package'];
      const name = text(field(pkg, 'name')) ?? text(pkg);
      const namespace = text(field(pkg, 'namespace')) ?? text(body['namespace']) ?? 'rpms';
      return name && isPackageName(name) && namespace === 'rpms' ? [{ op: 'removePackage', package: name }] : [];
    }
    default:
      return [];
  }
}

function accountChanges(event: string, body: Body): OwnershipChange[] {
  // Noggin wraps the event in "msg"; FAS sent it as the body.
  const inner = isObject(body['msg']) && !('agent' in body) ? body['msg'] : body;
  const user = nameOf(inner['user']);
  const group = nameOf(inner['group']);
  if (!isAccountName(user) || !isAccountName(group)) return [];
  switch (event) {
    case 'group.member.sponsor':
    case 'group.member.add':
    case 'role.update':
      return [{ op: 'addMember', group, user }];
    case 'group.member.remove':
      return [{ op: 'removeMember', group, user }];
    default:
      return [];
  }
}

/** What a message changes in ownership or membership; nothing for other messages or bodies it cannot read. */
export function ownershipChanges(message: { readonly topic: string; readonly body: Body }): OwnershipChange[] {
  const words = relativeTopic(message.topic).split('.');
  const app = words[0];
  const event = words.slice(1).join('.');
  if (app === 'pkgdb') return pkgdbChanges(event, message.body);
  if (app === 'fas') return accountChanges(event, message.body);
  return [];
}

/** Applies one change to the store. */
export async function applyOwnershipChange(store: NotifyStore, change: OwnershipChange): Promise<void> {
  switch (change.op) {
    case 'pointOfContact': {
      if (change.development) return store.setOwner(change.package, change.user);
      const owners = await store.ownersOf(change.package);
      const owner = owners.find((entry) => entry.role === 'owner');
      if (!owner) return store.setOwner(change.package, change.user);
      if (owner.user !== change.user) return store.addComaintainer(change.package, change.user);
      return;
    }
    case 'removeOwner':
      return store.removeOwner(change.package);
    case 'addComaintainer':
      return store.addComaintainer(change.package, change.user);
    case 'removeComaintainer':
      return store.removeComaintainer(change.package, change.user);
    case 'removePackage':
      return store.removePackage(change.package);
    case 'addMember':
      return store.addMember(change.group, change.user);
    case 'removeMember':
      return store.removeMember(change.group, change.user);
  }
}

export interface OwnershipTrackerOptions {
  readonly queue?: string;
  readonly logger?: Logger;
}

/**
 * Keeps package_owners and group_members current from the bus. Messages are handled one at a time,
 * in queue order, so a grant followed by a revocation ends revoked. A message it cannot read changes
 * nothing and is acknowledged; a store failure stops the consumer with the message requeued (the
 * bus's handler-failure outcome), so nothing is lost while the database is away.
 */
export class OwnershipTracker {
  private consumer: Consumer | undefined;
  /** Changes applied since start. */
  applied = 0;

  constructor(
    private readonly store: NotifyStore,
    private readonly options: OwnershipTrackerOptions = {},
  ) {}

  async start(bus: Bus): Promise<Consumer> {
    this.consumer = await bus.consume(
      { queue: this.options.queue ?? OWNERSHIP_QUEUE, bindings: OWNERSHIP_BINDINGS, concurrency: 1, prefetch: 50 },
      (message) => this.handle(message),
    );
    return this.consumer;
  }

  async handle(message: ReceivedMessage | { readonly id: string; readonly topic: string; readonly body: Body }): Promise<void> {
    const changes = ownershipChanges(message);
    for (const change of changes) await applyOwnershipChange(this.store, change);
    this.applied += changes.length;
    if (changes.length > 0) this.options.logger?.debug({ id: message.id, topic: message.topic, changes }, 'ownership updated');
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}
