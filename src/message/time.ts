/**
 * The `sent-at` header. fedora-messaging writes UTC without microseconds and with an explicit
 * offset (`2024-07-30T19:12:22+00:00`); we write exactly that so Python consumers parse ours, and
 * read any ISO 8601 date-time with an offset because other publishers and archives vary.
 */
import { MessageFormatError } from './errors.js';
import { describeJsonType, quote } from './json.js';

// Publishing stamps every message; most stamps in a busy second are the same string.
let lastSecond = NaN;
let lastStamp = '';

/** `2024-07-30T19:12:22+00:00`: UTC, whole seconds. */
export function formatSentAt(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new MessageFormatError('sent-at is an invalid Date: pass a valid Date');
  const second = Math.floor(time / 1000);
  if (second === lastSecond) return lastStamp;
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) {
    // toISOString writes such years as ±YYYYYY, which Python's fromisoformat rejects.
    throw new MessageFormatError(`sent-at year ${year} is outside 0000-9999: pass a realistic date`);
  }
  lastStamp = `${date.toISOString().slice(0, 19)}+00:00`;
  lastSecond = second;
  return lastStamp;
}

// Date and time, `T` or a space (Python's str(datetime)), optional fraction, required offset:
// a time without an offset is ambiguous, and guessing UTC would silently shift other zones.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})$/;

/**
 * The time a `sent-at` header names; null when the header is absent. Throws MessageFormatError for
 * anything that is not an ISO 8601 date-time with an offset.
 */
export function parseSentAt(value: unknown): Date | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MessageFormatError('sent-at is an invalid Date');
    return new Date(value.getTime());
  }
  if (typeof value !== 'string') {
    throw new MessageFormatError(`sent-at must be an ISO 8601 string, got ${describeJsonType(value)}`);
  }
  const parts = ISO_DATE_TIME.exec(value.trim());
  const date = parts === null ? null : dateFromParts(parts);
  if (date === null) {
    throw new MessageFormatError(
      `sent-at ${quote(value, 60)} is not an ISO 8601 date-time with an offset: write e.g. "2024-07-30T19:12:22+00:00"`,
    );
  }
  return date;
}

function dateFromParts(parts: RegExpExecArray): Date | null {
  const [, year, month, day, hour, minute, second, fraction, offset] = parts.map((part) => part ?? '');
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3)); // finer than ms is dropped
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, millis);
  if (date.getUTCDate() !== d) return null; // February 30th and friends roll over; reject them
  const offsetMinutes = parseOffset(offset ?? '');
  if (offsetMinutes === null) return null;
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

/** Minutes east of UTC for `Z`, `+02:00`, `-0530`; null when out of range. */
function parseOffset(offset: string): number | null {
  if (offset === 'Z' || offset === 'z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}
