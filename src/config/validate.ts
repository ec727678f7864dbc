/**
 * Checks one layer of configuration (the file's content, or the overrides) against the schema and
 * describes the first problem in the user's terms: a dotted key, what it must be, what it was.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { CONFIG_SCHEMA, Formats, type JsonSchema } from './schema.js';
import { closestKey } from './suggest.js';
import { isAmqpUrl, isBusUrl } from './url.js';
import { isListenAddress } from './listen.js';

export type ConfigProblem =
  | { kind: 'unknown'; key: string; suggestion: string | null; known: string[] }
  | { kind: 'missing'; key: string; expected: string }
  | { kind: 'invalid'; key: string; expected: string; value: unknown };

let validator: ValidateFunction | null = null;

function compiled(): ValidateFunction {
  if (validator === null) {
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true, // gives each error its parentSchema, whose description we print
      strict: true,
      strictNumbers: true, // TOML has inf and nan; neither is a usable number here
      allowUnionTypes: true,
    });
    ajv.addFormat(Formats.busUrl, isBusUrl);
    ajv.addFormat(Formats.amqpUrl, isAmqpUrl);
    ajv.addFormat(Formats.listen, isListenAddress);
    validator = ajv.compile(CONFIG_SCHEMA);
  }
  return validator;
}

/** The first problem in `data`, or null when it is a valid (partial) configuration. */
export function findFirstProblem(data: unknown): ConfigProblem | null {
  const validate = compiled();
  if (validate(data)) return null;
  const error = validate.errors?.[0];
  return error === undefined ? null : describeError(error, data);
}

/** Joins keys the way a user reads them: `exchanges."amq.topic".durable`, `bindings[0].queue`. */
export function dottedKey(keys: readonly (string | number)[]): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key));
  }
  return out;
}

/** JSON Pointer → keys, with list indexes as numbers (found by walking the data). */
function pointerKeys(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const keys: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      keys.push(index);
      node = node[index];
    } else {
      keys.push(segment);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return keys;
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a table',
  array: 'a list',
};

function typeNoun(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null');
  return types.map((t) => TYPE_NOUNS[String(t)] ?? String(t)).join(' or ');
}

function expectedOf(schema: JsonSchema | undefined, fallback: string): string {
  if (schema === undefined) return fallback;
  const values = schema['enum'];
  if (Array.isArray(values)) return `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  const description = schema['description'];
  if (typeof description === 'string') return description;
  return typeof schema['type'] === 'undefined' ? fallback : typeNoun(schema['type']);
}

function describeError(error: ErrorObject, data: unknown): ConfigProblem {
  const keys = pointerKeys(error.instancePath, data);
  const parentSchema = error.parentSchema as JsonSchema | undefined;
  const params = error.params as Record<string, unknown>;

  if (error.keyword === 'additionalProperties') {
    const unknownKey = String(params['additionalProperty']);
    const known = Object.keys((parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
    const suggestion = closestKey(unknownKey, known);
    return {
      kind: 'unknown',
      key: dottedKey([...keys, unknownKey]),
      suggestion: suggestion === null ? null : dottedKey([...keys, suggestion]),
      known,
    };
  }
  if (error.keyword === 'required') {
    const missing = String(params['missingProperty']);
    const properties = parentSchema?.['properties'] as Record<string, JsonSchema> | undefined;
    return { kind: 'missing', key: dottedKey([...keys, missing]), expected: expectedOf(properties?.[missing], 'a value') };
  }
  const expected = error.keyword === 'type' ? typeNoun(params['type']) : expectedOf(parentSchema, error.message ?? 'valid');
  return { kind: 'invalid', key: dottedKey(keys), expected, value: error.data };
}

/** A value as the user wrote it, short: strings quoted, tables and lists named rather than dumped. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object' && value !== null) return 'a table';
  return String(value);
}
