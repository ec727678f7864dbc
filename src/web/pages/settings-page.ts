/** The overview at /settings: my rules in words, my destinations and their state, my feed. */
import type { Destination, Me, Rule } from '../../notify/index.js';
import { html } from '../html.js';
import { csrfField, page, type PageContext } from '../layout.js';
import { describeDelivery, describeFilters, describeQuietHours, describeTracking, destinationName, destinationState } from './describe.js';

export interface SettingsModel {
  readonly me: Me;
  readonly rules: readonly Rule[];
  readonly destinations: readonly Destination[];
  readonly notice?: string | undefined;
}

export function settingsPage(context: PageContext, model: SettingsModel): string {
  const names = new Map(model.destinations.map((destination) => [destination.id, destinationName(destination)]));
  const rules = model.rules.length
    ? html`<table id="rules"><thead><tr><th>Rule</th><th>Tells me about</th><th>But only</th><th>Sends to</th><th></th></tr></thead><tbody>
${model.rules.map(
        (rule) => html`<tr><td><a href="/settings/rules/${rule.id}">${rule.name}</a>
${rule.disabledByAdmin ? html` <span class="tag off" title="${rule.disabledByAdmin}">off (admin)</span>` : rule.enabled ? null : html` <span class="tag off">off</span>`}</td>
<td>${describeTracking(rule)}</td><td>${describeFilters(rule)}</td>
<td>${rule.destinations.map((id) => names.get(id) ?? id).join(', ')}</td>
<td><form method="post" action="/settings/rules/${rule.id}/${rule.enabled ? 'disable' : 'enable'}">${csrfField(context)}<button class="secondary" type="submit">${rule.enabled ? 'Turn off' : 'Turn on'}</button></form></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No rules: you hear about nothing.</p>`;
  const destinations = html`<table id="destinations"><thead><tr><th>Destination</th><th>Address</th><th>Delivery</th><th>State</th></tr></thead><tbody>
${model.destinations.map((destination) => {
    const state = destinationState(destination);
    return html`<tr><td><a href="/settings/destinations/${destination.id}">${destinationName(destination)}</a></td>
<td>${destination.kind === 'inbox' ? html`<a href="/inbox">your inbox</a>` : destination.address}</td>
<td>${describeDelivery(destination.delivery)}${destination.maxPerHour ? `, at most ${destination.maxPerHour} an hour` : ''}${describeQuietHours(destination.quietHours) ? `, ${describeQuietHours(destination.quietHours)}` : ''}</td>
<td><span class="tag ${state.usable ? '' : 'off'}">${state.text}</span>
${destination.verifiedAt === null ? html` <a href="/settings/destinations/${destination.id}/verify">enter the code</a>` : null}
${destination.pausedReason ? html`<br><span class="hint">${destination.pausedReason}</span>` : null}</td></tr>`;
  })}</tbody></table>`;
  const body = html`<p>Everything Tidings tells you, and where. Apps link here to suggest a rule.</p>
<h2>Rules</h2>${rules}
<div class="actions"><a class="button" href="/settings/rules/new">New rule</a></div>
<h2>Destinations</h2>${destinations}
<div class="actions"><a class="button" href="/settings/destinations/new">Add a destination</a></div>
<h2>Feed</h2><p>Your inbox as an Atom feed (the link is private: it needs no login): <a href="${model.me.feedUrl}">${model.me.feedUrl}</a></p>`;
  return page(context, 'Notification settings', body, { notice: model.notice });
}
