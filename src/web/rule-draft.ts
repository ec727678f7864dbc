/**
 * A rule as the rule form holds it — what a person typed, before validation — and the ways into and
 * out of it: from the form's fields, from a saved rule, from the links apps make
 * (`/settings?package=kernel`), and into the rule input the store validates.
 */
import type { Filters, Rule, RuleInput, Tracking } from '../notify/index.js';
import { DEFAULT_FILTERS } from '../notify/index.js';

/**
 * The rule's tracking part and filters as the model has them, flattened into the form's fields —
 * except that the form asks the positive question ("include my own actions"), as its box reads.
 */
export interface RuleDraft extends Tracking, Omit<Filters, 'excludeMyActions'> {
  readonly name: string;
  readonly enabled: boolean;
  readonly myActions: boolean;
  readonly destinations: readonly string[];
}

export const EMPTY_DRAFT: RuleDraft = {
  name: '', enabled: true, myEvents: false, myPackages: false, packages: [], users: [], groups: [], apps: [], topics: [],
  includeApps: [], excludeApps: [], includeTopics: [], excludeTopics: [], minSeverity: DEFAULT_FILTERS.minSeverity, myActions: !DEFAULT_FILTERS.excludeMyActions, destinations: [],
};

/** The list fields, as the form names them. */
export const LIST_FIELDS = ['packages', 'users', 'groups', 'apps', 'topics', 'includeApps', 'excludeApps', 'includeTopics', 'excludeTopics'] as const;

type FormValue = string | string[] | undefined;
type Form = Record<string, FormValue>;

const first = (value: FormValue): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
const all = (value: FormValue): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const checked = (value: FormValue): boolean => first(value) !== '';
/** "kernel, glibc  bash" → ["kernel", "glibc", "bash"]: commas, spaces and new lines all separate. */
export const splitList = (text: string): string[] => text.split(/[\s,]+/u).filter((item) => item !== '');

export function draftFromForm(form: Form): RuleDraft {
  const lists = Object.fromEntries(LIST_FIELDS.map((field) => [field, splitList(all(form[field]).join(' '))])) as Record<(typeof LIST_FIELDS)[number], string[]>;
  const severity = Number(first(form['minSeverity']));
  return {
    ...lists,
    name: first(form['name']),
    // A new rule's form has no "enabled" box: it is on. An edited rule's form sends the box's state.
    enabled: form['enabledShown'] === undefined ? true : checked(form['enabled']),
    myEvents: checked(form['myEvents']),
    myPackages: checked(form['myPackages']),
    minSeverity: Number.isFinite(severity) ? severity : DEFAULT_FILTERS.minSeverity,
    myActions: checked(form['myActions']),
    destinations: all(form['destinations']),
  };
}

export function draftFromRule(rule: Rule): RuleDraft {
  return {
    name: rule.name,
    enabled: rule.enabled,
    ...rule.tracking,
    includeApps: rule.filters.includeApps,
    excludeApps: rule.filters.excludeApps,
    includeTopics: rule.filters.includeTopics,
    excludeTopics: rule.filters.excludeTopics,
    minSeverity: rule.filters.minSeverity,
    myActions: !rule.filters.excludeMyActions,
    destinations: rule.destinations,
  };
}

/**
 * A new rule pre-filled from an app's link: `?package=kernel`, `?user=jsmith`, `?group=kde-sig`,
 * `?app=bodhi`, `?topic=…`, `?repo=rpms/kernel` (commit mail: its pushes). Values that are not
 * plain strings are ignored; validation judges the rest when the rule is saved.
 */
export function draftFromLink(query: Record<string, unknown>, inbox: string | undefined): RuleDraft {
  const value = (key: string): string | undefined => {
    const given = query[key];
    return typeof given === 'string' && given.trim() !== '' ? given.trim().slice(0, 200) : undefined;
  };
  const base = { ...EMPTY_DRAFT, destinations: inbox ? [inbox] : [] };
  const pkg = value('package');
  if (pkg) return { ...base, name: `Package ${pkg}`, packages: [pkg] };
  const repo = value('repo');
  if (repo) {
    const name = repo.split('/').pop()!;
    return { ...base, name: `Commits to ${repo}`, packages: [name], includeTopics: ['#.git.receive'], myActions: true };
  }
  const user = value('user');
  if (user) return { ...base, name: `What ${user} does`, users: [user] };
  const group = value('group');
  if (group) return { ...base, name: `Group ${group}`, groups: [group] };
  const app = value('app');
  if (app) return { ...base, name: `All of ${app}`, apps: [app] };
  const topic = value('topic');
  if (topic) return { ...base, name: `Topic ${topic}`, topics: [topic] };
  return base;
}

/** Whether a settings link asks for a pre-filled rule. */
export const LINK_KEYS = ['package', 'repo', 'user', 'group', 'app', 'topic'] as const;

export function inputOfDraft(draft: RuleDraft): RuleInput {
  return {
    name: draft.name,
    enabled: draft.enabled,
    tracking: { myEvents: draft.myEvents, myPackages: draft.myPackages, packages: draft.packages, users: draft.users, groups: draft.groups, apps: draft.apps, topics: draft.topics },
    filters: { includeApps: draft.includeApps, excludeApps: draft.excludeApps, includeTopics: draft.includeTopics, excludeTopics: draft.excludeTopics, minSeverity: draft.minSeverity, excludeMyActions: !draft.myActions },
    destinations: draft.destinations,
  };
}
