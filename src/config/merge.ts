/**
 * Layering: tables merge key by key, anything else (values, lists) is replaced by the later layer.
 */

export type Table = Record<string, unknown>;

/** A table as TOML or a caller gives it; smol-toml's tables have no prototype, dates are objects. */
export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

// defineProperty rather than assignment: a key named "__proto__" in a TOML table must stay a key.
function setKey(target: Table, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy into ordinary objects and arrays (dates and other values are kept as they are). */
export function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (!isTable(value)) return value;
  const out: Table = {};
  for (const [key, item] of Object.entries(value)) setKey(out, key, copyValue(item));
  return out;
}

/** `base` with `layer` on top; neither is modified. */
export function mergeLayers(base: Table, layer: Table): Table {
  const out = copyValue(base) as Table;
  for (const [key, value] of Object.entries(layer)) {
    const current = out[key];
    setKey(out, key, isTable(current) && isTable(value) ? mergeLayers(current, value) : copyValue(value));
  }
  return out;
}

/** Drops keys whose value is undefined, at any depth: an unset flag is not an override. */
export function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isTable(value)) return value;
  const out: Table = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) setKey(out, key, withoutUndefined(item));
  }
  return out;
}

export function hasPath(table: Table, keys: readonly string[]): boolean {
  let node: unknown = table;
  for (const key of keys) {
    if (!isTable(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}
