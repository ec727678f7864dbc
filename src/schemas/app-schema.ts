/**
 * An application's schema as this folder defines it: the message part's MessageSchema plus what
 * the message part does not need to know — the topics it is published on (so that a legacy message,
 * which names no schema, still finds its schema) and an example body (for `tidings schema show`,
 * and checked against the schema by the tests).
 */
import { defineSchema, type Body, type MessageSchema, type SchemaDefinition } from '../message/index.js';

export interface AppSchema {
  readonly schema: MessageSchema;
  /** The application family: `buildsys`, `pkgdb`, `accounts`, `updates`, `git`, `mirrors`. */
  readonly family: string;
  /** Topics without the `<tld>.<org>.<env>` prefix; `*` and `#` as in bindings. */
  readonly topics: readonly string[];
  /** A valid body, with the topic it would be published on. */
  readonly example: { readonly topic: string; readonly body: Body };
}

export interface AppSchemaDefinition extends SchemaDefinition {
  readonly topics: readonly string[];
  /** A valid body; published on the first topic unless `exampleTopic` says otherwise. */
  readonly example: Body;
  readonly exampleTopic?: string;
}

/**
 * A function defining the schemas of one application: `defaults` (its app name, how it finds the
 * agent…) apply to every schema that does not say otherwise.
 */
export function schemaFamily(
  family: string,
  defaults: Partial<SchemaDefinition>,
): (definition: AppSchemaDefinition) => AppSchema {
  return (definition) => {
    const { topics, example, exampleTopic, ...rest } = definition;
    if (topics.length === 0) throw new Error(`schema "${definition.name}" needs at least one topic`);
    const schema = defineSchema({ ...defaults, ...rest });
    return Object.freeze({
      schema,
      family,
      topics: Object.freeze([...topics]),
      example: Object.freeze({ topic: exampleTopic ?? topics[0]!.replace(/\.#$/, ''), body: example }),
    });
  };
}
