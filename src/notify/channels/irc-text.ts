/**
 * What an IRC recipient reads: the lines of text of one job, each safe to put after
 * `PRIVMSG nick :`. Safe means no CR, LF or other control character (a CR/LF in a summary would end
 * our command and start one of the sender's choosing; other controls are colours, CTCP or worse),
 * and short enough that the server relays the line whole once it adds our `:nick!user@host` prefix:
 * an IRC line is at most 512 bytes with its CRLF, and servers cut longer ones wherever they fall,
 * possibly inside a UTF-8 character.
 */
import { cutUtf8 } from '../delivery/render.js';
import type { DeliveryJob, Notification } from '../delivery/types.js';

/** What the server may add in front of our text: `:` nick `!` user `@` host, the command and target. */
const USER_BYTES = 10;
const HOST_BYTES = 63;
const MIN_TEXT_BYTES = 64;
/** A summary is shortened down to this before the reason or the URL give way. */
const MIN_SUMMARY_BYTES = 48;
const ELLIPSIS = '…';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Control characters (C0, DEL, C1) and Unicode line breaks become spaces; runs of spaces one. */
export function ircSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The most bytes of text one PRIVMSG from `ownNick` to `target` can carry intact. */
export function textBudget(ownNick: string, target: string): number {
  const relayed = `:${ownNick}!${'u'.repeat(USER_BYTES)}@${'h'.repeat(HOST_BYTES)} PRIVMSG ${target} :`;
  return Math.max(MIN_TEXT_BYTES, 510 - bytes(relayed));
}

/** `text` cut to `max` bytes on a character boundary, with an ellipsis when something was cut. */
export function fitLine(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  return `${cutUtf8(text, max - bytes(ELLIPSIS)).text.trimEnd()}${ELLIPSIS}`;
}

/** `text` in pieces of at most `max` bytes, broken at a space when one is in the second half. */
export function splitLine(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  // Each round takes at least one character (max ≥ 4 bytes, the longest UTF-8 character).
  while (rest !== '' && pieces.length < text.length) {
    if (bytes(rest) <= max) {
      pieces.push(rest);
      break;
    }
    let piece = cutUtf8(rest, Math.max(4, max)).text;
    const space = piece.lastIndexOf(' ');
    if (space > piece.length / 2) piece = piece.slice(0, space);
    pieces.push(piece.trimEnd());
    rest = rest.slice(piece.length).trimStart();
  }
  return pieces;
}

/** One line for a notification: `[app] summary — url (because …)`, the summary shortened first. */
export function notificationLine(notification: Notification, max: number): string {
  const head = `[${ircSafe(notification.app)}] `;
  const summary = ircSafe(notification.summary);
  const link = notification.url === null ? '' : ` — ${ircSafe(notification.url)}`;
  const reason = notification.reasons[0];
  const because = reason ? ` (because ${ircSafe(reason.because)})` : '';
  for (const tail of [`${link}${because}`, link]) {
    const room = max - bytes(head) - bytes(tail);
    if (bytes(summary) <= room) return `${head}${summary}${tail}`;
    if (room >= MIN_SUMMARY_BYTES) return `${head}${fitLine(summary, room)}${tail}`;
  }
  return fitLine(`${head}${summary}${link}`, max);
}

/** A notification alone: one line, or, when its URL is too long to share one, the URL on its own lines. */
function notificationLines(notification: Notification, max: number): string[] {
  const line = notificationLine(notification, max);
  const url = notification.url === null ? '' : ircSafe(notification.url);
  if (url === '' || line.includes(url)) return [line];
  const withoutUrl = notificationLine({ ...notification, url: null }, max);
  return [withoutUrl, ...splitLine(url, max).slice(0, 2)];
}

/** `2026-12-06 13:00–14:00 UTC`, or with both dates when the period spans midnight. */
function period(since: string, until: string): string {
  const [sinceDay, sinceTime] = [since.slice(0, 10), since.slice(11, 16)];
  const [untilDay, untilTime] = [until.slice(0, 10), until.slice(11, 16)];
  return sinceDay === untilDay ? `${sinceDay} ${sinceTime}–${untilTime} UTC` : `${sinceDay} ${sinceTime} – ${untilDay} ${untilTime} UTC`;
}

export interface IrcTextOptions {
  /** Our nick and the recipient's: what the server puts around the text. */
  readonly ownNick: string;
  readonly target: string;
  /** Notifications a digest lists before "and K more". */
  readonly digestLines: number;
}

/** The lines of one job, in order, each at most textBudget() bytes, none empty. */
export function ircLines(job: DeliveryJob, options: IrcTextOptions): string[] {
  const max = textBudget(options.ownNick, options.target);
  switch (job.kind) {
    case 'notification':
      return notificationLines(job.notification, max);
    case 'digest': {
      const total = job.notifications.length;
      const shown = job.notifications.slice(0, options.digestLines);
      const lines = [fitLine(`Tidings digest: ${total} notification${total === 1 ? '' : 's'}, ${period(job.since, job.until)}`, max)];
      for (const notification of shown) lines.push(notificationLine(notification, max));
      if (total > shown.length) lines.push(fitLine(`and ${total - shown.length} more: ${job.links.settings}`, max));
      return lines;
    }
    case 'verification': {
      const link = job.links.verify(job.destination.id, job.code);
      return splitLine(ircSafe(`Your Tidings confirmation code is ${job.code}: enter it in the settings, or open ${link}`), max);
    }
  }
}
