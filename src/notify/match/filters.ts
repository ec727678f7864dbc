/**
 * A rule's filters, compiled once when the rule enters the index: sets for the application lists,
 * the topic patterns checked (when there are any) against both forms of the topic.
 */
import { assertValidPattern, categoryOf, topicMatches } from '../../message/index.js';
import type { Filters } from '../model.js';
import type { MatchFacts, MessageView } from './types.js';

export interface CompiledFilters {
  readonly includeApps: ReadonlySet<string> | null;
  readonly excludeApps: ReadonlySet<string> | null;
  readonly includeTopics: readonly string[];
  readonly excludeTopics: readonly string[];
  readonly minSeverity: number;
  readonly excludeMyActions: boolean;
}

/** Throws InvalidTopicError for a pattern that is not a valid binding pattern. */
export function compileFilters(filters: Filters): CompiledFilters {
  for (const pattern of [...filters.includeTopics, ...filters.excludeTopics]) assertValidPattern(pattern);
  return {
    includeApps: filters.includeApps.length > 0 ? new Set(filters.includeApps.map(appKey)) : null,
    excludeApps: filters.excludeApps.length > 0 ? new Set(filters.excludeApps.map(appKey)) : null,
    includeTopics: [...new Set(filters.includeTopics)],
    excludeTopics: [...new Set(filters.excludeTopics)],
    minSeverity: filters.minSeverity,
    excludeMyActions: filters.excludeMyActions,
  };
}

/**
 * Applications are compared without case, and a message goes by both its schema's name for its
 * application (`Koji`, `Bodhi`) and its topic's category (`buildsys`, `bodhi`): people write either.
 */
export function appKey(app: string): string {
  return app.toLowerCase();
}

/** The application names of a message (see appKey). */
export function messageApps(topic: string, facts: MatchFacts): string[] {
  const apps: string[] = [];
  if (facts.app !== null && facts.app !== '') apps.push(appKey(facts.app));
  const category = categoryOf(topic);
  if (category !== null && !apps.includes(appKey(category))) apps.push(appKey(category));
  return apps;
}

/**
 * A pattern matches a message's topic when it matches the full topic or the topic without its
 * `<tld>.<org>.<env>` prefix, so that people may write `buildsys.#` as well as
 * `org.fedoraproject.prod.buildsys.#`.
 */
export function patternMatchesTopic(pattern: string, topic: MessageView): boolean {
  const known = topic.patternResults.get(pattern);
  if (known !== undefined) return known;
  const result = topicMatches(pattern, topic.full) || (topic.relative !== topic.full && topicMatches(pattern, topic.relative));
  topic.patternResults.set(pattern, result);
  return result;
}

/** True when the message gets through the filters of a rule owned by `owner`. */
export function passesFilters(filters: CompiledFilters, owner: string, topic: MessageView, facts: MatchFacts): boolean {
  if (facts.severity < filters.minSeverity) return false;
  if (filters.excludeMyActions && facts.agent === owner) return false;
  const { includeApps, excludeApps } = filters;
  if (includeApps !== null && !topic.apps.some((app) => includeApps.has(app))) return false;
  if (excludeApps !== null && topic.apps.some((app) => excludeApps.has(app))) return false;
  if (filters.includeTopics.length > 0 && !anyMatches(filters.includeTopics, topic)) return false;
  return filters.excludeTopics.length === 0 || !anyMatches(filters.excludeTopics, topic);
}

function anyMatches(patterns: readonly string[], topic: MessageView): boolean {
  for (const pattern of patterns) if (patternMatchesTopic(pattern, topic)) return true;
  return false;
}
