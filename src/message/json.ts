/**
 * Small helpers for describing untrusted JSON in error messages. Internal to the message part:
 * not exported from index.ts.
 */

/** A JSON object as JSON.parse makes it: not an array, not null, not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The JSON name of a value's type, for "must be an object, got array" messages. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** What was given where a non-empty string was needed: "an empty string", "number"… */
export function describeNotNonEmptyString(value: unknown): string {
  return value === '' ? 'an empty string' : describeJsonType(value);
}

/**
 * A value JSON-quoted for an error message, cut at `maxChars` so a hostile megabyte-long topic
 * does not end up in every log line.
 */
export function quote(value: string, maxChars = 120): string {
  if (value.length <= maxChars) return JSON.stringify(value);
  return `${JSON.stringify(cutAt(value, maxChars))}…`;
}

/** `text` cut to at most `maxChars` UTF-16 units without splitting a surrogate pair. */
export function cutAt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // would leave half of a surrogate pair
  return text.slice(0, end);
}
