/**
 * Text helpers every channel shares: what a person reads about a notification, made safe for the
 * place it goes (a header, an IRC line, HTML).
 */
import type { Notification } from '../delivery/types.js';
import type { MatchReason } from '../model.js';

/** One line: no CR, LF or other control characters (they would end a header or an IRC command), at most `max` characters. */
export function oneLine(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** `because you own kernel — rule "My packages"`. */
export function reasonPhrase(reason: MatchReason): string {
  return `because ${reason.because} — rule "${oneLine(reason.ruleName, 100)}"`;
}

/** `[buildsys] koji's kernel-6.1-1.fc41 completed`. */
export function headline(notification: Notification, max = 200): string {
  return oneLine(`[${notification.app}] ${notification.summary}`, max);
}
