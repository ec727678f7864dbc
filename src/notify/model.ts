/**
 * The notification model: who wants to hear about what, and where. Shared by the store (persisted
 * form, both dialects), the matcher (an index over rules) and delivery.
 *
 * A rule = one tracking part (what concerns me) + filters (what I do not want) + destinations. A
 * destination is usable only once its owner proved it (a confirmation link or code). How a
 * destination delivers (immediately or in digests, quiet hours, rate limit) belongs to the
 * destination, not the rule, so one person's inbox or email behaves the same whatever rule matched.
 */

export type DestinationKind = 'email' | 'irc' | 'matrix' | 'webhook' | 'inbox';

export interface NotifyUser {
  /** The account name (FAS/Noggin username): what `usernames` facts and ownership refer to. */
  readonly name: string;
  readonly email: string | null;
  readonly isAdmin: boolean;
  readonly createdAt: number;
}

export type DeliveryMode =
  | { readonly kind: 'immediate' }
  /** One message gathering what came in, every `everyMinutes`, or as soon as `afterCount` are waiting. */
  | { readonly kind: 'digest'; readonly everyMinutes: number | null; readonly afterCount: number | null };

export interface QuietHours {
  /** Minutes after local midnight, e.g. 22:00 = 1320; `end` may be smaller than `start` (overnight). */
  readonly start: number;
  readonly end: number;
  /** IANA zone, e.g. "Europe/Prague". */
  readonly timeZone: string;
}

export interface Destination {
  readonly id: string;
  readonly owner: string;
  readonly kind: DestinationKind;
  /** The address: an email address, `irc://server/nick`, a Matrix user or room id, a webhook URL; '' for the inbox. */
  readonly address: string;
  readonly label: string;
  /** Proven by its owner; null until then (the inbox is verified from the start). */
  readonly verifiedAt: number | null;
  readonly disabled: boolean;
  readonly delivery: DeliveryMode;
  readonly quietHours: QuietHours | null;
  /** At most this many immediate notifications an hour; the overflow goes to the next digest. */
  readonly maxPerHour: number | null;
  /** Why delivery stopped trying it (it bounced, the peer refused it); null while it delivers. */
  readonly pausedReason: string | null;
}

/** What a rule follows: any of these concerning a message makes it match (before filters). */
export interface Tracking {
  /** Messages whose usernames include the rule's owner. */
  readonly myEvents: boolean;
  /** Messages about packages the owner owns (or co-maintains), per the package database. */
  readonly myPackages: boolean;
  readonly packages: readonly string[];
  readonly users: readonly string[];
  readonly groups: readonly string[];
  /** Whole applications, by app name (`buildsys`, `bodhi`…). */
  readonly apps: readonly string[];
  /** Topic patterns (AMQP-style `*` and `#`), with or without the environment prefix. */
  readonly topics: readonly string[];
}

export interface Filters {
  /** Only these applications (empty: any). */
  readonly includeApps: readonly string[];
  readonly excludeApps: readonly string[];
  /** Only topics matching one of these (empty: any). */
  readonly includeTopics: readonly string[];
  readonly excludeTopics: readonly string[];
  /** Severity at least this (fedora-messaging levels: 10 debug, 20 info, 30 warning, 40 error). */
  readonly minSeverity: number;
  /** Leave out messages whose agent is the rule's owner (on by default). */
  readonly excludeMyActions: boolean;
}

export interface Rule {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly tracking: Tracking;
  readonly filters: Filters;
  /** Destination ids, all the owner's. */
  readonly destinations: readonly string[];
  /** An admin switched it off (the owner sees why). */
  readonly disabledByAdmin: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Who owns or co-maintains a package (from the package database's messages, or an import). */
export interface PackageOwnership {
  readonly package: string;
  readonly user: string;
  readonly role: 'owner' | 'comaintainer';
}

export interface GroupMembership {
  readonly group: string;
  readonly user: string;
}

/** Why a destination is notified of a message: shown in the notification ("because you own kernel"). */
export interface MatchReason {
  readonly ruleId: string;
  readonly ruleName: string;
  /** A short phrase: "you own kernel", "you follow the user jsmith", "you were mentioned"… */
  readonly because: string;
}

/** One notification per (message, destination), whatever the number of rules that matched. */
export interface Match {
  readonly destinationId: string;
  readonly owner: string;
  /** The first matching rule's reason (rules in a stable order), then any others. */
  readonly reasons: readonly MatchReason[];
}

export const DEFAULT_FILTERS: Filters = Object.freeze({
  includeApps: [],
  excludeApps: [],
  includeTopics: [],
  excludeTopics: [],
  minSeverity: 20,
  excludeMyActions: true,
});
