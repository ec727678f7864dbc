import type { DerivedFacts } from '../../message/index.js';

/** The facts matching reads: what `SchemaRegistry.facts` derives, or a hand-made subset in tests. */
export type MatchFacts = Pick<DerivedFacts, 'usernames' | 'packages' | 'groups' | 'app' | 'agent' | 'severity'>;

/** What matching reads of a message besides its facts, worked out once per message. */
export interface MessageView {
  readonly full: string;
  /** Without the `<tld>.<org>.<env>` prefix; the same string when the topic has none. */
  readonly relative: string;
  /**
   * The names the message's application goes by, lower-cased: the schema's `app` fact (`koji`) and
   * the topic's category (`buildsys`), once each.
   */
  readonly apps: readonly string[];
  /**
   * Filter patterns already checked against this message: many rules share a pattern (`#.comment`),
   * and each is worked out once per message.
   */
  readonly patternResults: Map<string, boolean>;
}
