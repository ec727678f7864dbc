/**
 * A dead letter as an operator reads it: the envelope and the death record, and the body decoded by
 * the schema the message names — its summary, who and what it is about, and whether the body still
 * fails its schema (often the very reason it died). A body that is not JSON is shown as text.
 */
import { MessageValidationError, type Message, type SchemaRegistry } from '../message/index.js';
import type { DeadLetter } from './model.js';

export interface DecodedDeadLetter extends DeadLetter {
  /** The parsed body; null when it is not a JSON object. */
  readonly decodedBody: Record<string, unknown> | null;
  readonly schema: string | null;
  readonly summary: string | null;
  readonly usernames: readonly string[];
  readonly packages: readonly string[];
  /** Why the body fails its schema now, or null when it passes (or could not be parsed). */
  readonly schemaProblem: string | null;
  /** Why the body could not be parsed as a JSON object, or null. */
  readonly bodyProblem: string | null;
}

export function describeDeadLetter(letter: DeadLetter, registry: SchemaRegistry): DecodedDeadLetter {
  let decodedBody: Record<string, unknown> | null = null;
  let bodyProblem: string | null = null;
  try {
    const parsed: unknown = JSON.parse(letter.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) decodedBody = parsed as Record<string, unknown>;
    else bodyProblem = 'the body is JSON but not an object';
  } catch (error) {
    bodyProblem = `the body is not JSON: ${(error as Error).message}`;
  }
  const empty = { decodedBody, schema: null, summary: null, usernames: [], packages: [], schemaProblem: null, bodyProblem };
  if (decodedBody === null) return { ...letter, ...empty };
  const message: Message = { id: letter.id, topic: letter.topic, headers: letter.headers as Message['headers'], body: decodedBody as Message['body'] };
  let schemaProblem: string | null = null;
  try {
    registry.validate(message);
  } catch (error) {
    if (!(error instanceof MessageValidationError)) throw error;
    schemaProblem = error.message;
  }
  try {
    const facts = registry.facts(message);
    return { ...letter, ...empty, schema: facts.schema, summary: facts.summary, usernames: facts.usernames, packages: facts.packages, schemaProblem };
  } catch (error) {
    // A schema's fact function may choke on a body that fails it; the letter is still shown.
    return { ...letter, ...empty, schemaProblem: schemaProblem ?? `its facts could not be derived: ${(error as Error).message}` };
  }
}
