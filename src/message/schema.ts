/**
 * A message schema: JSON Schema for the body plus small pure functions that derive the facts
 * everything downstream uses (summary, url, agent, usernames, packages…). Bodies come from
 * strangers, so `deriveFacts` calls those functions defensively: a function that throws or returns
 * the wrong type counts as returning the default, and lists come back de-duplicated and sorted.
 */
import {
  type Body,
  BASE_SCHEMA_NAME,
  type DerivedFacts,
  FactHeaderPrefix,
  type FactName,
  type Message,
  Severity,
  type SeverityLevel,
} from './message.js';
import { categoryOf } from './topic.js';
import { cutAt, isPlainObject } from './json.js';
import { parseSeverity } from './severity.js';
import { SchemaDefinitionError } from './errors.js';

/** A JSON Schema (2020-12) document, as a plain object. */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

export type TextFact = (message: Message) => string;
export type OptionalTextFact = (message: Message) => string | null;
export type ListFact = (message: Message) => string[];

export interface MessageSchema {
  /** `<app>.<object>.<event>.v<N>` for ours, or any legacy name. */
  readonly name: string;
  /** Other names it is known under, e.g. Python class paths. */
  readonly aliases: readonly string[];
  readonly description: string;
  readonly bodySchema: JsonSchemaObject;
  /** The severity used when publishing without one. */
  readonly severity: SeverityLevel;
  readonly summary: TextFact;
  readonly url: OptionalTextFact;
  readonly app: OptionalTextFact;
  readonly agent: OptionalTextFact;
  readonly usernames: ListFact;
  readonly groups: ListFact;
  readonly packages: ListFact;
  readonly containers: ListFact;
  readonly modules: ListFact;
  readonly flatpaks: ListFact;
}

export type SchemaDefinition = Pick<MessageSchema, 'name' | 'bodySchema'> &
  Partial<Omit<MessageSchema, 'name' | 'bodySchema'>>;

/** The derived facts a schema's functions produce (DerivedFacts without the header-based ones). */
export type SchemaFacts = Omit<DerivedFacts, 'schema' | 'schemaKnown' | 'severity' | 'sentAt'>;

/** The list facts in header order; each has a `fedora_messaging_<kind>_` header prefix. */
export const LIST_FACTS: readonly FactName[] = ['usernames', 'groups', 'packages', 'containers', 'modules', 'flatpaks'];

const SUMMARY_MAX_CHARS = 160;
/**
 * The facts a publisher declared in its routing headers (`fedora_messaging_user_alice: true`). The
 * base schema reads these: for a message whose schema this process does not know, they are the
 * publisher's own statement of who and what the message concerns.
 */
function declaredInHeaders(fact: FactName): ListFact {
  const prefix = FactHeaderPrefix[fact];
  return (message: Message) => {
    let values: string[] | undefined;
    for (const name in message.headers) {
      if (name.length > prefix.length && name.startsWith(prefix) && message.headers[name] === true) {
        (values ??= []).push(name.slice(prefix.length));
      }
    }
    return values ?? NO_VALUES;
  };
}
const noText: OptionalTextFact = () => null;

/** A body on one line: `key=value` pairs, nested values as compact JSON, at most 160 characters. */
export function summarizeBody(body: Body): string {
  const parts: string[] = [];
  let length = 0;
  for (const [key, value] of Object.entries(body)) {
    const part = `${key}=${renderValue(value)}`;
    parts.push(part);
    length += part.length + 1;
    if (length > SUMMARY_MAX_CHARS) break; // the rest would be cut anyway
  }
  const line = parts.join(' ').replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
  return line.length <= SUMMARY_MAX_CHARS ? line : `${cutAt(line, SUMMARY_MAX_CHARS - 1)}…`;
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // a cycle or a BigInt, from a body built in code rather than parsed
  }
}

function firstString(body: Body, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = body[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

/** The schema of messages that name no schema, or one this registry does not know. */
export const baseSchema: MessageSchema = Object.freeze({
  name: BASE_SCHEMA_NAME,
  aliases: Object.freeze(['fedora_messaging.message:Message']),
  description: 'Any message: the body is any JSON object.',
  bodySchema: Object.freeze({ type: 'object' }),
  severity: Severity.INFO,
  summary: (message: Message) => summarizeBody(message.body),
  url: noText,
  app: (message: Message) => categoryOf(message.topic),
  agent: (message: Message) => firstString(message.body, ['agent', 'username', 'user']),
  usernames: declaredInHeaders('usernames'),
  groups: declaredInHeaders('groups'),
  packages: declaredInHeaders('packages'),
  containers: declaredInHeaders('containers'),
  modules: declaredInHeaders('modules'),
  flatpaks: declaredInHeaders('flatpaks'),
});

/** A schema from its definition; what the definition leaves out comes from the base schema. */
export function defineSchema(definition: SchemaDefinition): MessageSchema {
  if (typeof definition.name !== 'string' || definition.name.trim() === '') {
    throw new SchemaDefinitionError('a schema needs a name, e.g. "bodhi.update.comment.v1"');
  }
  if (!isPlainObject(definition.bodySchema)) {
    throw new SchemaDefinitionError(
      `schema "${definition.name}" needs a bodySchema: a JSON Schema object such as {"type": "object"}`,
    );
  }
  const aliases = definition.aliases ?? [];
  for (const alias of aliases) {
    if (typeof alias !== 'string' || alias.trim() === '') {
      throw new SchemaDefinitionError(`schema "${definition.name}" has an empty or non-string alias`);
    }
  }
  let severity: SeverityLevel;
  try {
    severity = parseSeverity(definition.severity ?? baseSchema.severity);
  } catch (error) {
    throw new SchemaDefinitionError(`schema "${definition.name}" has an invalid default severity`, { cause: error });
  }
  return Object.freeze({
    name: definition.name,
    aliases: Object.freeze([...aliases]),
    description: definition.description ?? '',
    bodySchema: definition.bodySchema,
    severity,
    summary: definition.summary ?? baseSchema.summary,
    url: definition.url ?? baseSchema.url,
    app: definition.app ?? baseSchema.app,
    agent: definition.agent ?? baseSchema.agent,
    usernames: definition.usernames ?? baseSchema.usernames,
    groups: definition.groups ?? baseSchema.groups,
    packages: definition.packages ?? baseSchema.packages,
    containers: definition.containers ?? baseSchema.containers,
    modules: definition.modules ?? baseSchema.modules,
    flatpaks: definition.flatpaks ?? baseSchema.flatpaks,
  });
}

/** Every fact the schema derives from `message`, never throwing (see the module comment). */
export function deriveFacts(schema: MessageSchema, message: Message): SchemaFacts {
  return {
    summary: textOr(schema.summary, message, () => textOr(baseSchema.summary, message, () => '')),
    url: textOr(schema.url, message, () => null),
    app: textOr(schema.app, message, () => null),
    agent: textOr(schema.agent, message, () => null),
    ...deriveListFacts(schema, message),
  };
}

/** Only the list facts (usernames, packages…): what publishing needs for its routing headers. */
export function deriveListFacts(schema: MessageSchema, message: Message): Pick<SchemaFacts, (typeof LIST_FACTS)[number]> {
  return {
    usernames: listOf(schema.usernames, message),
    groups: listOf(schema.groups, message),
    packages: listOf(schema.packages, message),
    containers: listOf(schema.containers, message),
    modules: listOf(schema.modules, message),
    flatpaks: listOf(schema.flatpaks, message),
  };
}

function textOr<D extends string | null>(fact: OptionalTextFact, message: Message, fallback: () => D): string | D {
  try {
    const value = fact(message);
    return typeof value === 'string' ? value : fallback();
  } catch {
    return fallback();
  }
}

/** Shared by every message that derives nothing for a fact: frozen, so no caller can fill it. */
const NO_VALUES: string[] = Object.freeze([]) as unknown as string[];

function listOf(fact: ListFact, message: Message): string[] {
  let values: unknown;
  try {
    values = fact(message);
  } catch {
    return NO_VALUES;
  }
  if (!Array.isArray(values) || values.length === 0) return NO_VALUES;
  const unique = new Set<string>();
  for (const value of values) if (typeof value === 'string' && value !== '') unique.add(value);
  return [...unique].sort();
}
