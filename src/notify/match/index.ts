/**
 * Matching: which destinations hear of a message, and why. `MatchIndex` holds the active rules,
 * package ownership and group membership, is updated as they change, and answers `match(message,
 * facts)` with one Match per destination at a cost that does not grow with the number of users.
 * See docs/notifications.md, "Matching".
 */
export { MatchIndex, isActiveRule, compareRules } from './match-index.js';
export type { MatchIndexInit, MatchIndexStats } from './match-index.js';
export type { MatchFacts } from './types.js';
export { Because } from './reasons.js';
