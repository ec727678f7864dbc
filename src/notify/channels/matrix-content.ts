/**
 * What a Matrix recipient reads: an m.notice (clients show it quieter than a message, and bots
 * must not answer notices, so two bots never loop), as plain text and as HTML. Every piece of a
 * notification is escaped for HTML, and only http(s) URLs become links: a summary or URL from a
 * message is the sender's text, not ours.
 */
import type { DeliveryJob, Notification } from '../delivery/types.js';
import { escapeHtml, oneLine } from './text.js';

export interface MatrixNotice {
  readonly msgtype: 'm.notice';
  readonly body: string;
  readonly format: 'org.matrix.custom.html';
  readonly formatted_body: string;
}

/** A digest lists at most this many, and stops earlier at DIGEST_BYTES: an event is at most 64 KiB. */
export const DIGEST_ITEMS = 50;
const DIGEST_BYTES = 40 * 1024;
const SUMMARY_CHARS = 500;

/** One line (controls and line breaks become spaces), at most `max` characters. */
const flat = (text: string, max = SUMMARY_CHARS): string => oneLine(text, max);

/** `<a href>` for an http(s) URL; anything else (javascript:, data:…) stays text. */
function link(url: string, text: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function period(since: string, until: string): string {
  const sinceDay = since.slice(0, 10);
  const untilDay = until.slice(0, 10);
  return sinceDay === untilDay
    ? `${sinceDay} ${since.slice(11, 16)}–${until.slice(11, 16)} UTC`
    : `${sinceDay} ${since.slice(11, 16)} – ${untilDay} ${until.slice(11, 16)} UTC`;
}

/** `[app] summary — url` and its HTML (the summary linked). */
function headline(notification: Notification): { text: string; html: string } {
  const app = flat(notification.app, 50);
  const summary = flat(notification.summary);
  const url = notification.url === null ? null : flat(notification.url, 2000);
  return {
    text: `[${app}] ${summary}${url ? ` — ${url}` : ''}`,
    html: `<b>[${escapeHtml(app)}]</b> ${url ? link(url, summary) : escapeHtml(summary)}`,
  };
}

function notice(lines: readonly string[], html: string): MatrixNotice {
  return { msgtype: 'm.notice', body: lines.join('\n'), format: 'org.matrix.custom.html', formatted_body: html };
}

export function matrixContent(job: DeliveryJob): MatrixNotice {
  switch (job.kind) {
    case 'notification': {
      const { text, html } = headline(job.notification);
      const reason = job.notification.reasons[0];
      if (!reason) return notice([text], html);
      const because = `because ${flat(reason.because, 200)}`;
      const rule = flat(reason.ruleName, 100);
      const ruleUrl = job.links.rule(reason.ruleId);
      return notice(
        [text, `${because} (rule "${rule}": ${ruleUrl})`],
        `${html}<br><i>${escapeHtml(because)} — rule ${link(ruleUrl, rule)}</i>`,
      );
    }
    case 'digest': {
      const total = job.notifications.length;
      const header = `Tidings digest: ${total} notification${total === 1 ? '' : 's'}, ${period(job.since, job.until)}`;
      const lines = [header];
      const items: string[] = [];
      let bytes = 0;
      for (const notification of job.notifications.slice(0, DIGEST_ITEMS)) {
        const { text, html } = headline(notification);
        bytes += Buffer.byteLength(text) + Buffer.byteLength(html);
        if (bytes > DIGEST_BYTES) break;
        lines.push(`• ${text}`);
        items.push(`<li>${html}</li>`);
      }
      let html = `<p><b>${escapeHtml(header)}</b></p><ul>${items.join('')}</ul>`;
      if (items.length < total) {
        const more = `and ${total - items.length} more`;
        lines.push(`${more}: ${job.links.settings}`);
        html += `<p>${escapeHtml(more)}: ${link(job.links.settings, 'your notification settings')}</p>`;
      }
      return notice(lines, html);
    }
    case 'verification': {
      const verify = job.links.verify(job.destination.id, job.code);
      return notice(
        [`Your Tidings confirmation code is ${job.code}: enter it in the settings, or open ${verify}`],
        `Your Tidings confirmation code is <code>${escapeHtml(job.code)}</code>: enter it in the settings, or ${link(verify, 'confirm this destination')}.`,
      );
    }
  }
}
