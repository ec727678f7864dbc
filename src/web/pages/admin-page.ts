/** Administrators: everyone's rules, and a rule switched off with a reason its owner sees. */
import type { Rule } from '../../notify/index.js';
import { html } from '../html.js';
import { csrfField, page, type PageContext } from '../layout.js';
import { describeFilters, describeTracking } from './describe.js';

export function adminRulesPage(context: PageContext, rules: readonly Rule[], options: { owner: string; notice?: string | undefined; error?: string | undefined }): string {
  const rows = rules.map(
    (rule) => html`<tr><td>${rule.owner}</td><td>${rule.name}${rule.enabled ? null : html` <span class="tag off">off</span>`}</td>
<td>${describeTracking(rule)}<br><span class="hint">${describeFilters(rule)}</span></td>
<td>${rule.disabledByAdmin
      ? html`<span class="hint">off: ${rule.disabledByAdmin}</span><form method="post" action="/admin/rules/${rule.id}/enable">${csrfField(context)}<button type="submit" class="secondary">Allow again</button></form>`
      : html`<form method="post" action="/admin/rules/${rule.id}/disable">${csrfField(context)}<input type="text" name="reason" required maxlength="500" placeholder="Why (the owner sees it)" aria-label="Reason"><button type="submit" class="danger">Switch off</button></form>`}</td></tr>`,
  );
  const body = html`<form method="get" action="/admin/rules"><label for="owner">Owner</label><input type="text" id="owner" name="owner" value="${options.owner}"> <button type="submit" class="secondary">Show</button></form>
<table><thead><tr><th>Owner</th><th>Rule</th><th>What it does</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  return page(context, 'All rules', body, { notice: options.notice, error: options.error });
}
