/**
 * The applications' schemas together: registered by name and alias in a SchemaRegistry, and indexed
 * by topic for the messages that name no schema — fedmsg envelopes from archives and bridges, and
 * publishers that send none. Choosing a schema:
 *
 * 1. a message naming a known application schema (or one of its aliases) gets that schema;
 * 2. a message naming a schema this process does not know gets the base schema, as on
 *    fedora-messaging (its publisher's routing headers still say who and what it is about);
 * 3. a message naming no schema, or the base schema, gets the newest schema of its topic whose
 *    body schema it satisfies; a message naming no schema whose body fits none of them still gets
 *    its topic's oldest schema (the one written for the oldest bodies), since facts are derived
 *    defensively and a legacy body is better read by its application's rules than as key=value.
 */
import {
  baseSchema,
  Header,
  SchemaRegistry,
  TopicMatcher,
  topicWords,
  type DerivedFacts,
  type Message,
  type MessageSchema,
} from '../message/index.js';
import type { AppSchema } from './app-schema.js';
import { relativeTopic } from './words.js';

export type SchemaChoice =
  /** The message named this schema. */
  | 'named'
  /** Chosen by the message's topic (the message named no schema, or the base schema). */
  | 'topic'
  /** The base schema: no application schema applies. */
  | 'base';

export interface ChosenSchema {
  readonly schema: MessageSchema;
  readonly how: SchemaChoice;
}

function versionOf(schema: MessageSchema): number {
  const match = /\.v(\d+)$/.exec(schema.name);
  return match ? Number(match[1]) : 0;
}

export class SchemaCatalog {
  readonly registry: SchemaRegistry;
  private readonly apps = new Map<MessageSchema, AppSchema>();
  private readonly exact = new Map<string, AppSchema[]>();
  private readonly patterns = new TopicMatcher<AppSchema>();
  private readonly order = new Map<AppSchema, number>();

  constructor(readonly schemas: readonly AppSchema[]) {
    this.registry = new SchemaRegistry(schemas.map((app) => app.schema)).chooseByTopic((message) => {
      const chosen = this.choose(message);
      return chosen.how === 'topic' ? chosen.schema : undefined;
    });
    schemas.forEach((app, index) => {
      this.apps.set(app.schema, app);
      this.order.set(app, index);
      for (const topic of app.topics) {
        if (/(^|\.)[*#](\.|$)/.test(topic)) this.patterns.add(topic, app);
        else this.exact.set(topic, [...(this.exact.get(topic) ?? []), app]);
      }
    });
  }

  /** The application schema registered under `name` or an alias of it. */
  find(name: string): AppSchema | undefined {
    const schema = this.registry.get(name);
    return schema === undefined ? undefined : this.apps.get(schema);
  }

  /**
   * The schemas published on `topic`, newest version first. The topic is read without its
   * `<tld>.<org>.<env>` prefix; a deployment whose prefix has another length (`com.example.buildsys.tag`)
   * is found by trying the topic without its first words, up to four.
   */
  forTopic(topic: string): AppSchema[] {
    const words = topicWords(topic);
    const usual = relativeTopic(topic);
    const tries = [usual, ...[0, 1, 2, 4].map((skip) => words.slice(skip).join('.'))];
    for (const relative of tries) {
      if (relative === '') continue;
      const found = new Set([...(this.exact.get(relative) ?? []), ...this.patterns.match(relative)]);
      if (found.size > 0) return [...found].sort((a, b) => versionOf(b.schema) - versionOf(a.schema) || this.order.get(a)! - this.order.get(b)!);
    }
    return [];
  }

  /** The schema a message is read with (see the module comment). */
  choose(message: Message): ChosenSchema {
    const named = message.headers[Header.schema];
    const name = typeof named === 'string' && named !== '' ? named : undefined;
    if (name !== undefined) {
      const schema = this.registry.get(name);
      if (schema === undefined) return { schema: baseSchema, how: 'base' };
      if (schema !== baseSchema) return { schema, how: 'named' };
    }
    const candidates = this.forTopic(message.topic);
    for (const candidate of candidates) {
      if (this.fits(message, candidate.schema)) return { schema: candidate.schema, how: 'topic' };
    }
    const oldest = candidates[candidates.length - 1];
    return name === undefined && oldest !== undefined ? { schema: oldest.schema, how: 'topic' } : { schema: baseSchema, how: 'base' };
  }

  /** The message as read with its chosen schema: its schema header names that schema. */
  withSchema(message: Message): Message {
    const { schema } = this.choose(message);
    if (message.headers[Header.schema] === schema.name) return message;
    return { ...message, headers: { ...message.headers, [Header.schema]: schema.name } };
  }

  /** Every derived fact, with the schema chosen as above. */
  facts(message: Message): DerivedFacts {
    return this.registry.facts(this.withSchema(message));
  }

  /** Checks the body against the chosen schema; throws MessageValidationError listing each failure. */
  validate(message: Message): MessageSchema {
    return this.registry.validate(this.withSchema(message)).schema;
  }

  private fits(message: Message, schema: MessageSchema): boolean {
    try {
      this.registry.validate({ ...message, headers: { ...message.headers, [Header.schema]: schema.name } });
      return true;
    } catch {
      return false;
    }
  }
}
