/**
 * Rule and destination validation: pure functions of what a person (or the REST API) sent, refusing
 * with every problem found, each naming its field. Input is `unknown` on purpose: it arrives as JSON
 * from outside, so shapes are checked here, not assumed.
 */
import { assertValidPattern, topicWords } from '../message/index.js';
import { DestinationValidationError, RuleValidationError, type RuleIssue } from './errors.js';
import { DEFAULT_FILTERS, type DeliveryMode, type DestinationKind, type Filters, type QuietHours, type Tracking } from './model.js';

/** Bounds that keep one rule cheap to index and to show. */
export const RULE_LIMITS = {
  nameLength: 100,
  /** Packages, users or groups followed by one rule. */
  names: 200,
  apps: 50,
  topics: 50,
  destinations: 10,
} as const;

/** fedora-messaging's levels (Python logging's): debug, info, warning, error, critical. */
export const SEVERITIES: readonly number[] = [10, 20, 30, 40, 50];

/** Account and group names (FAS/Noggin): letters, digits, `.`, `_`, `-`. */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Package names: also `+` (`libstdc++`, `gtk+`), up to 200 characters. */
const PACKAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,199}$/;
/** Application names as facts and topics give them (`buildsys`, `PkgDB`, `bodhi`). */
const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Control, zero-width, bidirectional-override and private-use characters, and lone surrogates. */
const HOSTILE = /[\p{Cc}\p{Cf}\p{Co}\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

export interface RuleInput {
  readonly name: string;
  readonly enabled?: boolean;
  readonly tracking: Partial<Tracking>;
  readonly filters?: Partial<Filters>;
  readonly destinations: readonly string[];
}

/** A rule as validation leaves it: complete, deduplicated, ready to store. */
export interface ValidRule {
  readonly name: string;
  readonly enabled: boolean;
  readonly tracking: Tracking;
  readonly filters: Filters;
  readonly destinations: readonly string[];
}

/** What validation needs to know about the destinations a rule names. */
export interface DestinationFacts {
  readonly owner: string;
  readonly verifiedAt: number | null;
}

export interface RuleContext {
  readonly owner: string;
  /** The destinations the input names that exist (any owner's); absent ids are unknown. */
  readonly destinations: ReadonlyMap<string, DestinationFacts>;
}

const TRACKING_KEYS = ['myEvents', 'myPackages', 'packages', 'users', 'groups', 'apps', 'topics'] as const;
const FILTER_KEYS = ['includeApps', 'excludeApps', 'includeTopics', 'excludeTopics', 'minSeverity', 'excludeMyActions'] as const;
const RULE_KEYS = ['name', 'enabled', 'tracking', 'filters', 'destinations'] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `"abc…"` for messages, short and without anything hostile. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const clean = text.replace(new RegExp(HOSTILE.source, 'gu'), '?');
  const short = clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
  return typeof value === 'string' ? JSON.stringify(short) : short;
}

class Issues {
  readonly list: RuleIssue[] = [];
  add(field: string, reason: string): void {
    this.list.push({ field, reason });
  }
}

function unknownKeys(issues: Issues, value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) issues.add(where ? `${where}.${key}` : key, `is not a rule field (expected one of ${allowed.join(', ')})`);
  }
}

/** Human text (a rule or destination name): trimmed, bounded, nothing invisible or controlling. */
export function cleanText(value: unknown, maxLength: number): { text: string } | { reason: string } {
  if (typeof value !== 'string') return { reason: 'must be text' };
  const text = value.trim();
  if (text === '') return { reason: 'must not be empty' };
  if ([...text].length > maxLength) return { reason: `is ${[...text].length} characters long; at most ${maxLength}` };
  if (HOSTILE.test(text)) return { reason: 'contains control, invisible or direction-changing characters' };
  return { text };
}

function booleanField(issues: Issues, value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    issues.add(field, `must be true or false, not ${shown(value)}`);
    return fallback;
  }
  return value;
}

function stringList(issues: Issues, value: unknown, field: string, max: number, check: (item: string) => string | null): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.add(field, 'must be a list');
    return [];
  }
  if (value.length > max) {
    issues.add(field, `has ${value.length} entries; at most ${max}`);
    return [];
  }
  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string') return issues.add(`${field}[${index}]`, `must be text, not ${shown(item)}`);
    const problem = check(item);
    if (problem) return issues.add(`${field}[${index}]`, `${shown(item)} ${problem}`);
    seen.add(item);
  });
  return [...seen];
}

const nameCheck = (pattern: RegExp, what: string) => (item: string): string | null =>
  pattern.test(item) ? null : `is not ${what} (letters, digits, ${pattern === PACKAGE_NAME ? '".", "_", "-", "+"' : '".", "_", "-"'}; at most ${pattern === PACKAGE_NAME ? 200 : 64} characters)`;

function patternCheck(item: string): string | null {
  try {
    assertValidPattern(item);
    return null;
  } catch (error) {
    return `is not a topic pattern: ${(error as Error).message}`;
  }
}

/** A tracking pattern made only of wildcards (`#`, `*.#`…) would send its owner every message. */
function trackingPatternCheck(item: string): string | null {
  return patternCheck(item) ?? (topicWords(item).every((word) => word === '#' || word === '*') ? 'matches every message: name at least the application, e.g. "*.*.*.bodhi.#"' : null);
}

function validateTracking(issues: Issues, value: unknown): Tracking {
  const empty: Tracking = { myEvents: false, myPackages: false, packages: [], users: [], groups: [], apps: [], topics: [] };
  if (!isRecord(value)) {
    issues.add('tracking', 'must be an object saying what the rule follows');
    return empty;
  }
  unknownKeys(issues, value, TRACKING_KEYS, 'tracking');
  const tracking: Tracking = {
    myEvents: booleanField(issues, value['myEvents'], 'tracking.myEvents', false),
    myPackages: booleanField(issues, value['myPackages'], 'tracking.myPackages', false),
    packages: stringList(issues, value['packages'], 'tracking.packages', RULE_LIMITS.names, nameCheck(PACKAGE_NAME, 'a package name')),
    users: stringList(issues, value['users'], 'tracking.users', RULE_LIMITS.names, nameCheck(ACCOUNT_NAME, 'an account name')),
    groups: stringList(issues, value['groups'], 'tracking.groups', RULE_LIMITS.names, nameCheck(ACCOUNT_NAME, 'a group name')),
    apps: stringList(issues, value['apps'], 'tracking.apps', RULE_LIMITS.apps, nameCheck(APP_NAME, 'an application name')),
    topics: stringList(issues, value['topics'], 'tracking.topics', RULE_LIMITS.topics, trackingPatternCheck),
  };
  const followsSomething = tracking.myEvents || tracking.myPackages || TRACKING_KEYS.slice(2).some((key) => (tracking[key] as readonly string[]).length > 0);
  const listsFine = !issues.list.some((issue) => issue.field.startsWith('tracking.'));
  if (!followsSomething && listsFine) {
    issues.add('tracking', 'follows nothing: choose my events, my packages, or packages, users, groups, applications or topic patterns to follow');
  }
  return tracking;
}

function validateFilters(issues: Issues, value: unknown): Filters {
  if (value === undefined) return DEFAULT_FILTERS;
  if (!isRecord(value)) {
    issues.add('filters', 'must be an object');
    return DEFAULT_FILTERS;
  }
  unknownKeys(issues, value, FILTER_KEYS, 'filters');
  const apps = (key: 'includeApps' | 'excludeApps'): string[] =>
    stringList(issues, value[key], `filters.${key}`, RULE_LIMITS.apps, nameCheck(APP_NAME, 'an application name'));
  const topics = (key: 'includeTopics' | 'excludeTopics'): string[] => stringList(issues, value[key], `filters.${key}`, RULE_LIMITS.topics, patternCheck);
  let minSeverity = DEFAULT_FILTERS.minSeverity;
  const severity = value['minSeverity'];
  if (severity !== undefined) {
    if (typeof severity === 'number' && SEVERITIES.includes(severity)) minSeverity = severity;
    else issues.add('filters.minSeverity', `${shown(severity)} is not a severity: use 10 (debug), 20 (info), 30 (warning), 40 (error) or 50 (critical)`);
  }
  return {
    includeApps: apps('includeApps'),
    excludeApps: apps('excludeApps'),
    includeTopics: topics('includeTopics'),
    excludeTopics: topics('excludeTopics'),
    minSeverity,
    excludeMyActions: booleanField(issues, value['excludeMyActions'], 'filters.excludeMyActions', DEFAULT_FILTERS.excludeMyActions),
  };
}

function validateDestinations(issues: Issues, value: unknown, context: RuleContext): string[] {
  const ids = stringList(issues, value, 'destinations', RULE_LIMITS.destinations, () => null);
  if (!Array.isArray(value)) {
    if (value === undefined) issues.add('destinations', 'a rule needs at least one destination');
    return [];
  }
  if (ids.length === 0 && !issues.list.some((issue) => issue.field.startsWith('destinations'))) {
    issues.add('destinations', 'a rule needs at least one destination');
  }
  for (const id of ids) {
    const destination = context.destinations.get(id);
    // A foreign destination is reported as unknown: its existence is not the caller's business.
    if (!destination || destination.owner !== context.owner) issues.add('destinations', `${shown(id)} is not one of your destinations`);
    else if (destination.verifiedAt === null) issues.add('destinations', `${shown(id)} is not confirmed yet: enter the code it was sent first`);
  }
  return ids;
}

/** Checks a whole rule; throws RuleValidationError with every problem, or returns it cleaned. */
export function validateRule(input: unknown, context: RuleContext): ValidRule {
  const issues = new Issues();
  if (!isRecord(input)) throw new RuleValidationError([{ field: 'rule', reason: 'must be an object' }]);
  unknownKeys(issues, input, RULE_KEYS, '');
  const name = cleanText(input['name'], RULE_LIMITS.nameLength);
  if ('reason' in name) issues.add('name', name.reason);
  const rule: ValidRule = {
    name: 'text' in name ? name.text : '',
    enabled: booleanField(issues, input['enabled'], 'enabled', true),
    tracking: validateTracking(issues, input['tracking']),
    filters: validateFilters(issues, input['filters']),
    destinations: validateDestinations(issues, input['destinations'], context),
  };
  if (issues.list.length > 0) throw new RuleValidationError(issues.list);
  return rule;
}

/** The ids a rule input names, for fetching their facts before validating. */
export function destinationIdsOf(input: unknown): string[] {
  const value = isRecord(input) ? input['destinations'] : undefined;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string').slice(0, RULE_LIMITS.destinations + 1) : [];
}

export interface DestinationInput {
  readonly kind: DestinationKind;
  readonly address: string;
  readonly label?: string;
  readonly delivery?: DeliveryMode;
  readonly quietHours?: QuietHours | null;
  readonly maxPerHour?: number | null;
}

export interface ValidDestination {
  readonly kind: DestinationKind;
  readonly address: string;
  readonly label: string;
  readonly delivery: DeliveryMode;
  readonly quietHours: QuietHours | null;
  readonly maxPerHour: number | null;
}

const ADDRESS_CHECKS: Record<Exclude<DestinationKind, 'inbox'>, { pattern: RegExp; example: string }> = {
  email: { pattern: /^[^\s@"<>()[\]\\,;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}$/, example: 'jsmith@example.org' },
  irc: { pattern: /^ircs?:\/\/[A-Za-z0-9.-]{1,253}(?::\d{1,5})?\/[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,31}$/, example: 'ircs://irc.libera.chat/jsmith' },
  matrix: { pattern: /^[@!#][^\s:]{1,200}:[A-Za-z0-9.-]{1,253}(?::\d{1,5})?$/, example: '@jsmith:fedora.im' },
  webhook: { pattern: /^https?:\/\/[^\s]{1,2000}$/, example: 'https://hooks.example.org/tidings' },
};

function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a destination a person adds (the inbox is made by the store, never added). */
export function validateDestination(input: unknown): ValidDestination {
  if (!isRecord(input)) throw new DestinationValidationError('destination', 'must be an object');
  const kind = input['kind'];
  if (typeof kind !== 'string' || !(kind in ADDRESS_CHECKS)) {
    throw new DestinationValidationError('kind', `${shown(kind)} is not a kind of destination you can add: email, irc, matrix or webhook`);
  }
  const check = ADDRESS_CHECKS[kind as keyof typeof ADDRESS_CHECKS];
  const address = input['address'];
  if (typeof address !== 'string' || HOSTILE.test(address) || !check.pattern.test(address)) {
    throw new DestinationValidationError('address', `${shown(address)} is not a ${kind} address, e.g. ${check.example}`);
  }
  if (kind === 'webhook') {
    try {
      new URL(address);
    } catch {
      throw new DestinationValidationError('address', `${shown(address)} is not a URL`);
    }
  }
  const label = input['label'] === undefined ? { text: address.slice(0, 100) } : cleanText(input['label'], 100);
  if ('reason' in label) throw new DestinationValidationError('label', label.reason);
  return {
    kind: kind as ValidDestination['kind'],
    address,
    label: label.text,
    delivery: validateDelivery(input['delivery']),
    quietHours: validateQuietHours(input['quietHours']),
    maxPerHour: validateMaxPerHour(input['maxPerHour']),
  };
}

export function validateDelivery(value: unknown): DeliveryMode {
  if (value === undefined) return { kind: 'immediate' };
  if (isRecord(value) && value['kind'] === 'immediate') return { kind: 'immediate' };
  if (!isRecord(value) || value['kind'] !== 'digest') {
    throw new DestinationValidationError('delivery', 'must be {"kind":"immediate"} or {"kind":"digest","everyMinutes":…,"afterCount":…}');
  }
  const every = value['everyMinutes'] ?? null;
  const after = value['afterCount'] ?? null;
  if (every !== null && !wholeNumber(every, 5, 7 * 24 * 60)) {
    throw new DestinationValidationError('delivery.everyMinutes', 'must be a whole number of minutes from 5 to 10080 (a week)');
  }
  if (after !== null && !wholeNumber(after, 1, 1000)) throw new DestinationValidationError('delivery.afterCount', 'must be a whole number from 1 to 1000');
  if (every === null && after === null) throw new DestinationValidationError('delivery', 'a digest needs everyMinutes, afterCount or both');
  return { kind: 'digest', everyMinutes: every, afterCount: after };
}

export function validateQuietHours(value: unknown): QuietHours | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw new DestinationValidationError('quietHours', 'must be {"start":…,"end":…,"timeZone":…} or null');
  const { start, end, timeZone } = value;
  if (!wholeNumber(start, 0, 1439)) throw new DestinationValidationError('quietHours.start', 'must be minutes after midnight, 0 to 1439');
  if (!wholeNumber(end, 0, 1439)) throw new DestinationValidationError('quietHours.end', 'must be minutes after midnight, 0 to 1439');
  if (start === end) throw new DestinationValidationError('quietHours', 'start and end are equal: leave quiet hours out instead');
  if (typeof timeZone !== 'string' || timeZone.length > 64 || !validTimeZone(timeZone)) {
    throw new DestinationValidationError('quietHours.timeZone', `${shown(timeZone)} is not a time zone, e.g. Europe/Prague`);
  }
  return { start, end, timeZone };
}

export function validateMaxPerHour(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (!wholeNumber(value, 1, 10_000)) throw new DestinationValidationError('maxPerHour', 'must be a whole number from 1 to 10000, or null for no limit');
  return value;
}

/** Account names as the store accepts them (users, owners, members). */
export function isAccountName(name: unknown): name is string {
  return typeof name === 'string' && ACCOUNT_NAME.test(name);
}

export function isPackageName(name: unknown): name is string {
  return typeof name === 'string' && PACKAGE_NAME.test(name);
}
