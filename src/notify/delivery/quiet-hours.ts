/**
 * Quiet hours: a daily span, in the destination owner's time zone, when immediate notifications
 * wait (they go out together when it ends). Pure: the time is given.
 */
import type { QuietHours } from '../model.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight at `time` in `timeZone`. */
export function localMinutes(time: number, timeZone: string): number {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, format);
  }
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(time)) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/** Whether `time` falls in the quiet span; `start` > `end` spans midnight; start = end is never quiet. */
export function isQuiet(quiet: QuietHours | null, time: number): boolean {
  if (quiet === null || quiet.start === quiet.end) return false;
  const now = localMinutes(time, quiet.timeZone);
  return quiet.start < quiet.end ? now >= quiet.start && now < quiet.end : now >= quiet.start || now < quiet.end;
}
