/**
 * A delivery job as an email (nodemailer's message options), pure. Every kind of job — one
 * notification, commit mail, a digest, a confirmation code — is a plain-text part and an HTML
 * alternative, with headers that let mail clients and filters do their work:
 * - List-Unsubscribe (a one-click link, RFC 8058, with List-Unsubscribe-Post) on every notification;
 * - X-Tidings-Topic, -App, -Package, -User for sorting rules;
 * - a Message-ID made from the job id, so that a retried send is recognisably the same mail;
 * - Auto-Submitted: auto-generated (RFC 3834), so that vacation responders stay quiet.
 */
import type { SendMailOptions } from 'nodemailer';
import type { DeliveryJob, Notification } from '../delivery/types.js';
import { escapeHtml, headline, oneLine, reasonPhrase } from './text.js';

const FOOTER_RULE = '-- ';

/** The domain of the From address, for Message-IDs. */
export function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.split('@')[1]?.trim();
  return domain && /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'tidings.invalid';
}

function headerList(values: readonly string[]): string | undefined {
  const clean = [...new Set(values.map((value) => oneLine(value, 100)).filter((value) => value !== ''))];
  if (clean.length === 0) return undefined;
  return oneLine(clean.slice(0, 50).join(', '), 900);
}

function factHeaders(notifications: readonly Notification[]): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'X-Tidings-Topic': headerList(notifications.map((n) => n.topic)),
    'X-Tidings-App': headerList(notifications.map((n) => n.app)),
    'X-Tidings-Package': headerList(notifications.flatMap((n) => n.packages)),
    'X-Tidings-User': headerList(notifications.flatMap((n) => n.usernames)),
  };
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function reasonLines(notification: Notification, ruleLink: (ruleId: string) => string): string[] {
  return notification.reasons.map((reason, i) => `${i === 0 ? 'You get this' : 'And'} ${reasonPhrase(reason)}: ${ruleLink(reason.ruleId)}`);
}

function commitText(notification: Notification): string[] {
  const commit = notification.commit;
  if (!commit) return [];
  const lines = [`Repository: ${commit.repository}`, `Branch:     ${commit.branch}`, `Commit:     ${commit.rev}`, `Author:     ${commit.author}`, '', commit.message.trimEnd(), ''];
  if (commit.files.length > 0) {
    const width = Math.min(60, Math.max(...commit.files.map((file) => file.path.length)));
    for (const file of commit.files) lines.push(` ${file.path.padEnd(width)} | +${file.insertions} -${file.deletions}`);
    lines.push('');
  }
  if (commit.patch !== '') {
    lines.push(commit.patch.trimEnd());
    if (commit.patchTruncated) lines.push('', `[the patch is longer; see ${notification.url ?? 'the repository'}]`);
    lines.push('');
  }
  return lines;
}

function notificationText(notification: Notification, ruleLink: (ruleId: string) => string): string[] {
  return [
    oneLine(notification.summary, 1000),
    ...(notification.url ? [notification.url] : []),
    '',
    ...commitText(notification),
    ...reasonLines(notification, ruleLink),
  ];
}

function notificationHtml(notification: Notification, ruleLink: (ruleId: string) => string): string {
  const summary = escapeHtml(oneLine(notification.summary, 1000));
  const title = notification.url ? `<a href="${escapeHtml(notification.url)}">${summary}</a>` : summary;
  const commit = notification.commit;
  const commitPart = commit
    ? `<p>${escapeHtml(commit.repository)} · ${escapeHtml(commit.branch)} · <code>${escapeHtml(commit.rev.slice(0, 12))}</code> · ${escapeHtml(commit.author)}</p>` +
      `<pre>${escapeHtml(commit.message.trimEnd())}</pre>` +
      (commit.patch !== '' ? `<pre style="font-size:smaller">${escapeHtml(commit.patch.trimEnd())}</pre>${commit.patchTruncated ? '<p><em>The patch is longer.</em></p>' : ''}` : '')
    : '';
  const reasons = notification.reasons.map((reason) => `<li>${escapeHtml(reasonPhrase(reason))} — <a href="${escapeHtml(ruleLink(reason.ruleId))}">change this rule</a></li>`).join('');
  return `<p><strong>${title}</strong></p>${commitPart}<ul>${reasons}</ul>`;
}

function footer(job: DeliveryJob): { text: string[]; html: string } {
  const settings = job.links.settings;
  const unsubscribe = job.links.unsubscribe(job.destination.id);
  return {
    text: ['', FOOTER_RULE, `Your notification settings: ${settings}`, `Stop all email to ${job.destination.address}: ${unsubscribe}`],
    html: `<hr><p style="font-size:smaller"><a href="${escapeHtml(settings)}">Your notification settings</a> · <a href="${escapeHtml(unsubscribe)}">stop all email to ${escapeHtml(job.destination.address)}</a></p>`,
  };
}

function timeOf(iso: string): string {
  return iso.slice(11, 16);
}

export function emailMessage(job: DeliveryJob, from: string): SendMailOptions {
  const base: SendMailOptions = {
    from,
    to: job.destination.address,
    messageId: `<${job.id}@${domainOf(from)}>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
  if (job.kind === 'verification') {
    const link = job.links.verify(job.destination.id, job.code);
    return {
      ...base,
      date: new Date(),
      subject: 'Confirm your email address for Tidings notifications',
      text: [`Someone (hopefully you) asked to get Tidings notifications at ${job.destination.address}.`, '', `Your confirmation code: ${job.code}`, '', `Or open: ${link}`, '', 'If it was not you, ignore this email: nothing is sent here until the code is entered.'].join('\n'),
      html: `<p>Someone (hopefully you) asked to get Tidings notifications at ${escapeHtml(job.destination.address)}.</p><p>Your confirmation code: <strong>${escapeHtml(job.code)}</strong></p><p><a href="${escapeHtml(link)}">Confirm</a></p><p>If it was not you, ignore this email: nothing is sent here until the code is entered.</p>`,
    };
  }
  const unsubscribe = {
    'List-Unsubscribe': `<${job.links.unsubscribe(job.destination.id)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `Tidings notifications <notifications.${domainOf(from)}>`,
  };
  const end = footer(job);
  const rule = (id: string): string => job.links.rule(id);
  if (job.kind === 'notification') {
    const n = job.notification;
    return {
      ...base,
      date: new Date(n.sentAt),
      subject: headline(n),
      headers: { ...base.headers, ...unsubscribe, ...factHeaders([n]) },
      text: [...notificationText(n, rule), ...end.text].join('\n'),
      html: `${notificationHtml(n, rule)}${end.html}`,
    };
  }
  const notifications = job.notifications;
  const byApp = new Map<string, Notification[]>();
  for (const n of notifications) byApp.set(n.app, [...(byApp.get(n.app) ?? []), n]);
  const textParts: string[] = [`${notifications.length} notification${notifications.length === 1 ? '' : 's'} since ${job.since.slice(0, 16).replace('T', ' ')} UTC`, ''];
  let html = `<p>${notifications.length} notification${notifications.length === 1 ? '' : 's'} since ${escapeHtml(job.since.slice(0, 16).replace('T', ' '))} UTC</p>`;
  for (const [app, group] of byApp) {
    textParts.push(`== ${app} (${group.length}) ==`, '');
    html += `<h3>${escapeHtml(app)} (${group.length})</h3>`;
    for (const n of group) {
      textParts.push(`${timeOf(n.sentAt)}  ${oneLine(n.summary, 300)}`);
      if (n.url) textParts.push(`       ${n.url}`);
      if (n.reasons[0]) textParts.push(`       ${reasonPhrase(n.reasons[0])}`);
      textParts.push('');
      const summary = escapeHtml(oneLine(n.summary, 300));
      html += `<p>${escapeHtml(timeOf(n.sentAt))} ${n.url ? `<a href="${escapeHtml(n.url)}">${summary}</a>` : summary}${n.reasons[0] ? `<br><small>${escapeHtml(reasonPhrase(n.reasons[0]))}</small>` : ''}</p>`;
    }
  }
  return {
    ...base,
    date: new Date(job.until),
    subject: oneLine(`[tidings] ${notifications.length} notification${notifications.length === 1 ? '' : 's'} since ${timeOf(job.since)} UTC`),
    headers: { ...base.headers, ...unsubscribe, ...factHeaders(notifications) },
    text: [...textParts, ...end.text].join('\n'),
    html: `${html}${end.html}`,
  };
}
