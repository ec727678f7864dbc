/**
 * Severity levels as fedora-messaging puts them in the `fedora_messaging_severity` header: the
 * Python logging numbers. Names are accepted too, for configuration files and the CLI.
 */
import { MessageFormatError } from './errors.js';
import { Severity, type SeverityLevel } from './message.js';
import { describeJsonType } from './json.js';

const LEVEL_BY_NAME: ReadonlyMap<string, SeverityLevel> = new Map([
  ['DEBUG', Severity.DEBUG],
  ['INFO', Severity.INFO],
  ['WARNING', Severity.WARNING],
  ['WARN', Severity.WARNING], // Python's logging accepts both spellings
  ['ERROR', Severity.ERROR],
]);

const NAME_BY_LEVEL: ReadonlyMap<number, string> = new Map([
  [Severity.DEBUG, 'DEBUG'],
  [Severity.INFO, 'INFO'],
  [Severity.WARNING, 'WARNING'],
  [Severity.ERROR, 'ERROR'],
]);

export function isSeverityLevel(value: unknown): value is SeverityLevel {
  return typeof value === 'number' && NAME_BY_LEVEL.has(value);
}

/**
 * A severity from a header, a config value or user input. A missing value (undefined or null)
 * is INFO, as in fedora-messaging. Throws MessageFormatError for anything else that is not a level.
 */
export function parseSeverity(value: unknown): SeverityLevel {
  if (value === undefined || value === null) return Severity.INFO;
  if (isSeverityLevel(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    const byName = LEVEL_BY_NAME.get(text.toUpperCase());
    if (byName !== undefined) return byName;
    // Numbers arrive as strings from query strings and from headers written by hand.
    if (/^\d+$/.test(text) && isSeverityLevel(Number(text))) return Number(text) as SeverityLevel;
  }
  const shown = typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : describeJsonType(value);
  throw new MessageFormatError(
    `severity ${shown.slice(0, 60)} is not a severity: use 10 (DEBUG), 20 (INFO), 30 (WARNING) or 40 (ERROR)`,
  );
}

/** "DEBUG", "INFO", "WARNING" or "ERROR"; the number as text for a level outside those. */
export function severityName(level: SeverityLevel): string {
  return NAME_BY_LEVEL.get(level) ?? String(level);
}
