/**
 * The canonical JSON of a value: keys sorted, no spaces (fedmsg's form). Two encodings of the same
 * value — Python's `\uXXXX` escapes, other key orders, other spacing — give the same text, so it can
 * be compared, hashed and signed.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
