/**
 * Building blocks for the bodies' JSON Schemas (2020-12). Bodies are open (extra properties are
 * allowed) as fedora-messaging's are: publishers add fields between releases, and a consumer must
 * not reject a message for saying more than it expected.
 */
import type { JsonSchemaObject } from '../message/index.js';

type Properties = Record<string, JsonSchemaObject>;

export const string: JsonSchemaObject = { type: 'string' };
export const integer: JsonSchemaObject = { type: 'integer' };
export const number: JsonSchemaObject = { type: 'number' };
export const boolean: JsonSchemaObject = { type: 'boolean' };
export const stringList: JsonSchemaObject = { type: 'array', items: string };

export function nullable(schema: JsonSchemaObject): JsonSchemaObject {
  return { anyOf: [schema, { type: 'null' }] };
}

export function arrayOf(items: JsonSchemaObject): JsonSchemaObject {
  return { type: 'array', items };
}

/** An object with these properties, of which `required` must be present. */
export function object(properties: Properties, required: readonly string[] = []): JsonSchemaObject {
  return required.length > 0 ? { type: 'object', properties, required: [...required] } : { type: 'object', properties };
}

/** The body of a message: an object; `description` says what it reports. */
export function body(description: string, properties: Properties, required: readonly string[] = []): JsonSchemaObject {
  return { description, ...object(properties, required) };
}

/** An account or group given as a name or as `{"name": …}` / `{"username": …}`, as bodies have done over the years. */
export const account: JsonSchemaObject = {
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', properties: { name: string, username: string }, anyOf: [{ required: ['name'] }, { required: ['username'] }] },
  ],
};

/** One of several accepted shapes (an application's current body and its legacy one). */
export function oneShapeOf(...shapes: JsonSchemaObject[]): JsonSchemaObject {
  return { anyOf: shapes };
}
