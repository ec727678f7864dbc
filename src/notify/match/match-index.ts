/**
 * The matching engine: which destinations hear of a message, and why.
 *
 * Rules are filed under what they follow: the owner's name (my events), the owner's name again for
 * "packages I own" (reached through package → owners), each followed package, user, group and
 * application, and a topic trie for topic patterns. A message looks up only the keys it carries
 * (its usernames, packages, groups, app and topic), so the work per message depends on the message
 * and on the rules that concern it, never on how many users there are. Filters then run on those
 * few candidates, and the survivors are folded into one Match per destination.
 *
 * Group membership does not widen matching: a message about the `packager` group would otherwise
 * reach every packager, and its cost would grow with the size of the group. Membership only names
 * the closer tie in the reason when a rule follows a group its owner belongs to.
 */
import { assertValidPattern, TopicMatcher } from '../../message/index.js';
import { relativeTopic } from '../../schemas/index.js';
import type { GroupMembership, Match, MatchReason, PackageOwnership, Rule } from '../model.js';
import { appKey, compileFilters, messageApps, passesFilters, type CompiledFilters } from './filters.js';
import { Postings } from './postings.js';
import { Because } from './reasons.js';
import type { MatchFacts, MessageView } from './types.js';

/** A rule as the index holds it: the rule plus its compiled filters. */
interface IndexedRule {
  readonly rule: Rule;
  readonly filters: CompiledFilters;
  readonly topicBindings: readonly TopicBinding[];
}

/** One topic pattern of one rule: the trie's value, so that a match knows which pattern it was. */
interface TopicBinding {
  readonly indexed: IndexedRule;
  readonly pattern: string;
}

export interface MatchIndexInit {
  readonly rules?: Iterable<Rule>;
  readonly ownership?: Iterable<PackageOwnership>;
  readonly membership?: Iterable<GroupMembership>;
}

export interface MatchIndexStats {
  /** Rules in the index (active ones only). */
  readonly rules: number;
  readonly topicPatterns: number;
  readonly topicTrieNodes: number;
  readonly ownedPackages: number;
  readonly groupsWithMembers: number;
}

/** Whether a rule can notify anyone: enabled, not switched off by an admin, with somewhere to go. */
export function isActiveRule(rule: Rule): boolean {
  return rule.enabled && rule.disabledByAdmin === null && rule.destinations.length > 0;
}

/** The stable order of rules in a match: oldest first, then by id. */
export function compareRules(a: Rule, b: Rule): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class MatchIndex {
  private readonly rules = new Map<string, IndexedRule>();
  private readonly myEventsByOwner = new Postings<IndexedRule>();
  private readonly myPackagesByOwner = new Postings<IndexedRule>();
  private readonly followersOfPackage = new Postings<IndexedRule>();
  private readonly followersOfUser = new Postings<IndexedRule>();
  private readonly followersOfGroup = new Postings<IndexedRule>();
  private readonly followersOfApp = new Postings<IndexedRule>();
  private readonly topics = new TopicMatcher<TopicBinding>();
  /** package → user → role. */
  private readonly owners = new Map<string, Map<string, PackageOwnership['role']>>();
  private readonly members = new Postings<string>();

  constructor(init: MatchIndexInit = {}) {
    for (const entry of init.ownership ?? []) this.setOwnership(entry.package, entry.user, entry.role);
    for (const entry of init.membership ?? []) this.setMembership(entry.group, entry.user, true);
    for (const rule of init.rules ?? []) this.upsertRule(rule);
  }

  /**
   * Adds or replaces a rule (by id). An inactive rule (disabled, disabled by an admin, or without
   * destinations) is taken out. Throws InvalidTopicError for an invalid topic pattern, before
   * changing anything.
   */
  upsertRule(rule: Rule): void {
    for (const pattern of rule.tracking.topics) assertValidPattern(pattern);
    const filters = compileFilters(rule.filters);
    this.removeRule(rule.id);
    if (!isActiveRule(rule)) return;

    const topicBindings: TopicBinding[] = [];
    const indexed: IndexedRule = { rule, filters, topicBindings };
    const { tracking, owner } = rule;
    if (tracking.myEvents) this.myEventsByOwner.add(owner, indexed);
    if (tracking.myPackages) this.myPackagesByOwner.add(owner, indexed);
    for (const pkg of tracking.packages) this.followersOfPackage.add(pkg, indexed);
    for (const user of tracking.users) this.followersOfUser.add(user, indexed);
    for (const group of tracking.groups) this.followersOfGroup.add(group, indexed);
    for (const app of tracking.apps) this.followersOfApp.add(appKey(app), indexed);
    for (const pattern of new Set(tracking.topics)) {
      const binding: TopicBinding = { indexed, pattern };
      topicBindings.push(binding);
      this.topics.add(pattern, binding);
    }
    this.rules.set(rule.id, indexed);
  }

  /** Takes a rule out; returns whether it was in. */
  removeRule(ruleId: string): boolean {
    const indexed = this.rules.get(ruleId);
    if (indexed === undefined) return false;
    const { tracking, owner } = indexed.rule;
    this.myEventsByOwner.delete(owner, indexed);
    this.myPackagesByOwner.delete(owner, indexed);
    for (const pkg of tracking.packages) this.followersOfPackage.delete(pkg, indexed);
    for (const user of tracking.users) this.followersOfUser.delete(user, indexed);
    for (const group of tracking.groups) this.followersOfGroup.delete(group, indexed);
    for (const app of tracking.apps) this.followersOfApp.delete(appKey(app), indexed);
    for (const binding of indexed.topicBindings) this.topics.remove(binding.pattern, binding);
    this.rules.delete(ruleId);
    return true;
  }

  /** Records that `user` owns or co-maintains `pkg`; a null role means they no longer do. */
  setOwnership(pkg: string, user: string, role: PackageOwnership['role'] | null): void {
    let users = this.owners.get(pkg);
    if (role === null) {
      if (users === undefined) return;
      users.delete(user);
      if (users.size === 0) this.owners.delete(pkg);
      return;
    }
    if (users === undefined) this.owners.set(pkg, (users = new Map()));
    users.set(user, role);
  }

  /** Replaces everything known of who owns and co-maintains `pkg`. */
  replaceOwners(pkg: string, entries: readonly PackageOwnership[]): void {
    this.owners.delete(pkg);
    for (const entry of entries) this.setOwnership(pkg, entry.user, entry.role);
  }

  /** Replaces everything known of who is in `group`. */
  replaceMembers(group: string, members: readonly GroupMembership[]): void {
    this.members.deleteKey(group);
    for (const entry of members) this.setMembership(group, entry.user, true);
  }

  setMembership(group: string, user: string, member: boolean): void {
    if (member) this.members.add(group, user);
    else this.members.delete(group, user);
  }

  hasRule(ruleId: string): boolean {
    return this.rules.has(ruleId);
  }

  /** The role `user` has on `pkg`, or null. */
  roleOf(pkg: string, user: string): PackageOwnership['role'] | null {
    return this.owners.get(pkg)?.get(user) ?? null;
  }

  isMember(group: string, user: string): boolean {
    return this.members.has(group, user);
  }

  stats(): MatchIndexStats {
    return {
      rules: this.rules.size,
      topicPatterns: this.topics.size,
      topicTrieNodes: this.topics.nodeCount,
      ownedPackages: this.owners.size,
      groupsWithMembers: this.members.keyCount,
    };
  }

  /**
   * The destinations to notify of a message, one Match each, in the order of their first matching
   * rule (oldest rule first). Each Match keeps every reason of every rule that matched, in that
   * order; within a rule, the reasons come in the order of the tracking kinds (my events, my
   * packages, packages, users, groups, application, topic) and of the message's facts. Application
   * names compare without case, against the `app` fact and the topic's category (see filters.ts).
   */
  match(message: { readonly topic: string }, facts: MatchFacts): Match[] {
    const topic: MessageView = {
      full: message.topic,
      relative: relativeTopic(message.topic),
      apps: messageApps(message.topic, facts),
      patternResults: new Map(),
    };
    const candidates = this.candidates(topic, facts);
    if (candidates.size === 0) return [];

    const passed: IndexedRule[] = [];
    for (const indexed of candidates.keys()) {
      if (passesFilters(indexed.filters, indexed.rule.owner, topic, facts)) passed.push(indexed);
    }
    if (passed.length > 1) passed.sort((a, b) => compareRules(a.rule, b.rule));

    const byDestination = new Map<string, { owner: string; reasons: MatchReason[] }>();
    for (const indexed of passed) {
      const { rule } = indexed;
      const reasons = candidates.get(indexed)!.map((because) => ({ ruleId: rule.id, ruleName: rule.name, because }));
      for (let i = 0; i < rule.destinations.length; i++) {
        const destinationId = rule.destinations[i]!;
        const existing = byDestination.get(destinationId);
        // The rule's first new destination takes its reasons array itself; any other gets a copy.
        if (existing === undefined) byDestination.set(destinationId, { owner: rule.owner, reasons: i === 0 ? reasons : [...reasons] });
        else existing.reasons.push(...reasons);
      }
    }
    const matches: Match[] = [];
    for (const [destinationId, { owner, reasons }] of byDestination) matches.push({ destinationId, owner, reasons });
    return matches;
  }

  /** Every rule the message concerns (before filters), with why. */
  private candidates(topic: MessageView, facts: MatchFacts): Map<IndexedRule, string[]> {
    const found = new Map<IndexedRule, string[]>();
    const note = (rules: ReadonlySet<IndexedRule> | undefined, because: string): void => {
      if (rules !== undefined) for (const indexed of rules) addReason(found, indexed, because);
    };

    for (const user of facts.usernames) note(this.myEventsByOwner.get(user), Because.concernsYou);
    for (const pkg of facts.packages) {
      const users = this.owners.get(pkg);
      if (users === undefined) continue;
      // The two phrases once per package, not once per owner: a popular package has many.
      let owns: string | undefined;
      let comaintains: string | undefined;
      for (const [user, role] of users) {
        const rules = this.myPackagesByOwner.get(user);
        if (rules === undefined) continue;
        note(rules, role === 'owner' ? (owns ??= Because.ownsPackage(pkg, role)) : (comaintains ??= Because.ownsPackage(pkg, role)));
      }
    }
    for (const pkg of facts.packages) note(this.followersOfPackage.get(pkg), Because.followsPackage(pkg));
    for (const user of facts.usernames) note(this.followersOfUser.get(user), Because.followsUser(user));
    for (const group of facts.groups) {
      const rules = this.followersOfGroup.get(group);
      if (rules === undefined) continue;
      for (const indexed of rules) {
        const member = this.members.has(group, indexed.rule.owner);
        addReason(found, indexed, member ? Because.memberOfGroup(group) : Because.followsGroup(group));
      }
    }
    for (const app of topic.apps) note(this.followersOfApp.get(app), Because.followsApp(app));
    if (this.topics.size > 0) this.noteTopicMatches(found, topic);
    return found;
  }

  /** Topic reasons, each rule's in the order of its own patterns whatever the trie's walk order. */
  private noteTopicMatches(found: Map<IndexedRule, string[]>, topic: MessageView): void {
    const matched = this.topics.match(topic.full);
    if (topic.relative !== topic.full) for (const binding of this.topics.match(topic.relative)) matched.add(binding);
    if (matched.size === 0) return;
    const rules = new Set<IndexedRule>();
    for (const binding of matched) rules.add(binding.indexed);
    for (const indexed of rules) {
      for (const binding of indexed.topicBindings) {
        if (matched.has(binding)) addReason(found, indexed, Because.topicMatches(binding.pattern));
      }
    }
  }
}

function addReason(found: Map<IndexedRule, string[]>, indexed: IndexedRule, because: string): void {
  const reasons = found.get(indexed);
  if (reasons === undefined) found.set(indexed, [because]);
  else if (!reasons.includes(because)) reasons.push(because);
}
