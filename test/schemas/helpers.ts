/** Shared by the schema tests: a catalog, messages by schema name or by topic, and validation checks. */
import assert from 'node:assert/strict';
import { Header, MessageValidationError, type DerivedFacts, type Message } from '../../src/message/index.js';
import { createSchemaCatalog } from '../../src/schemas/index.js';

export const catalog = createSchemaCatalog();

/** A message as a publisher sends it: naming its schema (any of its names) on a prefixed topic. */
export function named(schema: string, topic: string, body: Record<string, unknown>): Message {
  return { id: 'id-1', topic: `org.fedoraproject.prod.${topic}`, headers: { [Header.schema]: schema }, body };
}

/** A message naming no schema, as a fedmsg envelope becomes. */
export function legacy(topic: string, body: Record<string, unknown>): Message {
  return { id: 'id-2', topic: topic.startsWith('org.') ? topic : `org.fedoraproject.prod.${topic}`, headers: {}, body };
}

/** The facts lists and text that the tests compare, in one object. */
export function factsOf(message: Message): Pick<DerivedFacts, 'schema' | 'summary' | 'url' | 'agent' | 'usernames' | 'groups' | 'packages' | 'containers'> {
  const { schema, summary, url, agent, usernames, groups, packages, containers } = catalog.facts(message);
  return { schema, summary, url, agent, usernames, groups, packages, containers };
}

export function accepts(message: Message, expectedSchema?: string): void {
  const schema = catalog.validate(message);
  if (expectedSchema) assert.equal(schema.name, expectedSchema);
}

/** The body is refused, naming `path` and the JSON Schema `rule` it breaks. */
export function rejects(message: Message, path: string, rule: string): void {
  assert.throws(
    () => catalog.validate(message),
    (error: unknown) =>
      error instanceof MessageValidationError &&
      error.issues.some((issue) => issue.path === path && issue.rule === rule) ||
      assert.fail(`expected ${rule} at "${path}", got ${(error as Error).message}`),
  );
}
