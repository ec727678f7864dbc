/**
 * The schemas a process knows, by name and alias. Consumers pick a message's schema by its
 * `fedora_messaging_schema` header; an unknown or missing name falls back to the base schema (as
 * fedora-messaging does) so that a message from a newer publisher is still delivered.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { MessageValidationError, SchemaConflictError, SchemaDefinitionError, type ValidationIssue } from './errors.js';
import { type DerivedFacts, Header, type Message, Severity, type SeverityLevel } from './message.js';
import { baseSchema, deriveFacts, type MessageSchema } from './schema.js';
import { parseSeverity } from './severity.js';
import { parseSentAt } from './time.js';
import { quote } from './json.js';

// ajv-formats is CommonJS; under NodeNext its default import is `module.exports`, whose `.default`
// is the plugin.
const addFormats = addFormatsModule.default;

/** Issues kept on a MessageValidationError: enough to fix a body, bounded for hostile ones. */
const MAX_ISSUES = 50;
/** Issues spelled out in the error's message. */
const MAX_ISSUES_IN_MESSAGE = 10;

export interface ResolvedSchema {
  readonly schema: MessageSchema;
  /** False when the name was missing or unknown and the base schema stands in. */
  readonly known: boolean;
}

export class SchemaRegistry {
  private readonly byName = new Map<string, MessageSchema>();
  private readonly validators = new Map<MessageSchema, ValidateFunction>();
  private topicChooser: ((message: Message) => MessageSchema | undefined) | undefined;
  private ajv: Ajv2020 | null = null;

  constructor(schemas: readonly MessageSchema[] = []) {
    this.register(baseSchema, ...schemas);
  }

  /**
   * Adds schemas under their names and aliases. Registering the same schema again is a no-op;
   * a name already taken by a different schema throws SchemaConflictError and registers nothing.
   */
  register(...schemas: MessageSchema[]): this {
    const pending = new Map<string, MessageSchema>();
    for (const schema of schemas) {
      for (const name of [schema.name, ...schema.aliases]) {
        const holder = this.byName.get(name) ?? pending.get(name);
        if (holder !== undefined && holder !== schema) {
          throw new SchemaConflictError(
            `schema name ${quote(name)} is taken by schema "${holder.name}", so schema "${schema.name}" ` +
              'cannot use it: give the new schema a new version (…v2) or remove the other registration',
          );
        }
        pending.set(name, schema);
      }
    }
    for (const [name, schema] of pending) this.byName.set(name, schema);
    return this;
  }

  get(name: string): MessageSchema | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Each registered schema once, base schema included. */
  schemas(): MessageSchema[] {
    return [...new Set(this.byName.values())];
  }

  /** The schema for a name; the base schema (known: false) when it is missing or unknown. */
  resolve(name: string | undefined | null): ResolvedSchema {
    const schema = typeof name === 'string' ? this.byName.get(name) : undefined;
    return schema === undefined ? { schema: baseSchema, known: false } : { schema, known: true };
  }

  /**
   * How to read messages that name no schema, or only the base schema (fedmsg envelopes, bridges,
   * publishers that send none): a chooser that picks one by topic (SchemaCatalog does), or none.
   */
  chooseByTopic(chooser: (message: Message) => MessageSchema | undefined): this {
    this.topicChooser = chooser;
    return this;
  }

  /** The schema a message names in its `fedora_messaging_schema` header (or, naming none, its topic's). */
  resolveMessage(message: Message): ResolvedSchema {
    const name = message.headers[Header.schema];
    const resolved = this.resolve(typeof name === 'string' ? name : undefined);
    const namesNone = typeof name !== 'string' || name === '' || (resolved.known && resolved.schema === baseSchema);
    if (namesNone && this.topicChooser) {
      const chosen = this.topicChooser(message);
      if (chosen !== undefined && chosen !== baseSchema) return { schema: chosen, known: true };
    }
    return resolved;
  }

  /**
   * Checks the body against the schema the message names; throws MessageValidationError naming
   * each failing path and rule. Returns the schema used.
   */
  validate(message: Message): ResolvedSchema {
    const resolved = this.resolveMessage(message);
    const validator = this.validatorFor(resolved.schema);
    if (validator(message.body)) return resolved;
    const issues = (validator.errors ?? []).slice(0, MAX_ISSUES).map(toIssue);
    const shown = issues
      .slice(0, MAX_ISSUES_IN_MESSAGE)
      .map((issue) => `${issue.path || '/'} ${issue.message} (${issue.rule})`);
    const more = (validator.errors?.length ?? 0) - shown.length;
    throw new MessageValidationError(
      `body of ${quote(message.topic)} fails schema "${resolved.schema.name}": ${shown.join('; ')}` +
        (more > 0 ? `; and ${more} more` : ''),
      issues,
    );
  }

  /**
   * Everything derived from a message: header facts (schema, severity, sent-at) read leniently,
   * so a bad header degrades to the default instead of losing the message, and the schema's facts.
   */
  facts(message: Message): DerivedFacts {
    const { schema, known } = this.resolveMessage(message);
    const named = message.headers[Header.schema];
    return {
      // An alias resolves to the canonical name; an unknown name is reported as sent.
      schema: known ? schema.name : typeof named === 'string' && named !== '' ? named : schema.name,
      schemaKnown: known,
      severity: leniently(() => parseSeverity(message.headers[Header.severity]), Severity.INFO as SeverityLevel),
      sentAt: leniently(() => parseSentAt(message.headers[Header.sentAt]), null),
      ...deriveFacts(schema, message),
    };
  }

  /** Compiled once per schema, on first use: most processes validate only a few schemas. */
  private validatorFor(schema: MessageSchema): ValidateFunction {
    const cached = this.validators.get(schema);
    if (cached !== undefined) return cached;
    if (this.ajv === null) {
      this.ajv = new Ajv2020({ allErrors: true, strict: false });
      addFormats(this.ajv);
    }
    let validator: ValidateFunction;
    try {
      validator = this.ajv.compile(schema.bodySchema);
    } catch (error) {
      throw new SchemaDefinitionError(
        `the body schema of "${schema.name}" is not valid JSON Schema 2020-12: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.validators.set(schema, validator);
    return validator;
  }
}

/** A registry that knows only the base schema. */
export function defaultRegistry(): SchemaRegistry {
  return new SchemaRegistry();
}

function toIssue(error: ErrorObject): ValidationIssue {
  let message = error.message ?? 'is invalid';
  // Name the offending property: "must NOT have additional properties" alone does not say which.
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const property = params['additionalProperty'] ?? params['unevaluatedProperty'];
    if (typeof property === 'string') message += `: ${quote(property, 60)}`;
  }
  return { path: error.instancePath, rule: error.keyword, message };
}

function leniently<T, D>(read: () => T, fallback: D): T | D {
  try {
    return read();
  } catch {
    return fallback;
  }
}
