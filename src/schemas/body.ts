/**
 * Reading bodies that came from strangers. Real bodies drift between an application's releases (a
 * user is `"ralph"` in one year and `{"name": "ralph"}` in the next; a list is sometimes `null`), so
 * facts read through these helpers, which answer `undefined` instead of throwing on a wrong shape.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` (object keys and array indexes), or undefined where the path breaks. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[step];
    } else {
      if (!isObject(current) || !Object.hasOwn(current, step)) return undefined;
      current = current[step];
    }
  }
  return current;
}

/** A non-empty string at `path`; numbers are written out (Koji ids, release numbers). */
export function text(value: unknown, ...path: readonly (string | number)[]): string | undefined {
  const found = at(value, ...path);
  if (typeof found === 'string') return found === '' ? undefined : found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}

export function record(value: unknown, ...path: readonly (string | number)[]): JsonObject | undefined {
  const found = at(value, ...path);
  return isObject(found) ? found : undefined;
}

/** The array at `path`; anything else (null, absent, a string) is an empty list. */
export function list(value: unknown, ...path: readonly (string | number)[]): unknown[] {
  const found = at(value, ...path);
  return Array.isArray(found) ? found : [];
}

/** The strings of the array at `path`, skipping anything else. */
export function texts(value: unknown, ...path: readonly (string | number)[]): string[] {
  return list(value, ...path).filter((item): item is string => typeof item === 'string' && item !== '');
}

/**
 * An account or group named either as a string or as an object: `"ralph"`, `{"username": "ralph"}`,
 * `{"name": "ralph"}`. A list (old pkgdb agents were `["ralph"]`) gives its first name.
 */
export function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (Array.isArray(value)) return nameOf(value[0]);
  if (isObject(value)) return text(value, 'username') ?? text(value, 'name');
  return undefined;
}

/** Throws when a value a summary cannot do without is missing: the schema then falls back. */
export function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === '') throw new Error(`the body has no ${what}`);
  return value;
}

/** Present values only. */
export function present(...values: readonly (string | undefined | null)[]): string[] {
  return values.filter((value): value is string => typeof value === 'string' && value !== '');
}
