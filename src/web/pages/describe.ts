/**
 * Rules and destinations in words, for the overview and the admin list: a person should read what a
 * rule does without opening it ("builds of packages I own, not my own actions").
 */
import type { DeliveryMode, Destination, QuietHours, Rule } from '../../notify/index.js';

const SEVERITY_NAMES: Record<number, string> = { 10: 'debug', 20: 'info', 30: 'warning', 40: 'error', 50: 'critical' };

export const SEVERITY_CHOICES: ReadonlyArray<{ value: number; label: string }> = [
  { value: 10, label: 'debug and up (everything)' },
  { value: 20, label: 'info and up' },
  { value: 30, label: 'warnings and errors' },
  { value: 40, label: 'errors and critical' },
  { value: 50, label: 'critical only' },
];

const listed = (label: string, items: readonly string[]): string | null => (items.length ? `${label} ${items.join(', ')}` : null);

/** "my events; packages I own; packages kernel, glibc" */
export function describeTracking(rule: Pick<Rule, 'tracking'>): string {
  const { tracking } = rule;
  const parts = [
    tracking.myEvents ? 'my events' : null,
    tracking.myPackages ? 'packages I own' : null,
    listed('packages', tracking.packages),
    listed('people', tracking.users),
    listed('groups', tracking.groups),
    listed('all of', tracking.apps),
    listed('topics', tracking.topics),
  ].filter((part): part is string => part !== null);
  return parts.join('; ') || 'nothing';
}

/** "only buildsys; not bodhi; warnings and errors; my own actions left out" */
export function describeFilters(rule: Pick<Rule, 'filters'>): string {
  const { filters } = rule;
  const parts = [
    listed('only', filters.includeApps),
    listed('not', filters.excludeApps),
    listed('only topics', filters.includeTopics),
    listed('not topics', filters.excludeTopics),
    filters.minSeverity > 10 ? `${SEVERITY_NAMES[filters.minSeverity] ?? `level ${filters.minSeverity}`} and up` : null,
    filters.excludeMyActions ? 'not my own actions' : 'my own actions too',
  ].filter((part): part is string => part !== null);
  return parts.join('; ');
}

const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export const timeOfDay = clock;

export function describeDelivery(delivery: DeliveryMode): string {
  if (delivery.kind === 'immediate') return 'at once';
  const every = delivery.everyMinutes === null ? null : delivery.everyMinutes % 60 === 0 ? `every ${delivery.everyMinutes / 60} h` : `every ${delivery.everyMinutes} min`;
  const after = delivery.afterCount === null ? null : `after ${delivery.afterCount} messages`;
  return `digest ${[every, after].filter(Boolean).join(' or ')}`;
}

export function describeQuietHours(quiet: QuietHours | null): string | null {
  return quiet ? `quiet ${clock(quiet.start)}–${clock(quiet.end)} ${quiet.timeZone}` : null;
}

/** What state a destination is in, as a short tag: usable, waiting for its code, off, paused. */
export function destinationState(destination: Destination): { text: string; usable: boolean } {
  if (destination.verifiedAt === null) return { text: 'not confirmed', usable: false };
  if (destination.disabled) return { text: 'off', usable: false };
  if (destination.pausedReason) return { text: 'paused', usable: false };
  return { text: 'on', usable: true };
}

export const KIND_NAMES: Record<Destination['kind'], string> = { email: 'Email', irc: 'IRC', matrix: 'Matrix', webhook: 'Webhook', inbox: 'Web inbox' };

export const ADDRESS_HINTS: Record<Destination['kind'], string> = {
  email: 'an email address: you@example.org',
  irc: 'your IRC nick on the server this Tidings uses',
  matrix: 'your Matrix ID (@you:example.org) or a room (!id:example.org, #alias:example.org)',
  webhook: 'an https:// URL that takes POSTs (signed with X-Tidings-Signature)',
  inbox: '',
};

export function destinationName(destination: Destination): string {
  return destination.kind === 'inbox' ? destination.label : `${KIND_NAMES[destination.kind]}: ${destination.label}`;
}
