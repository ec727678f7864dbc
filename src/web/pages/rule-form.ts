/**
 * The rule form, for a new rule and an edited one: what to track, the filters, where to send it. Its
 * Preview button posts the same fields to /settings/rules/preview, which draws the form again with
 * what the rule would have sent in the last seven days, so a person sees before saving.
 */
import type { Destination, RuleIssue, RulePreview } from '../../notify/index.js';
import { html, type Html } from '../html.js';
import { csrfField, page, type PageContext } from '../layout.js';
import type { RuleDraft } from '../rule-draft.js';
import { destinationName, destinationState, SEVERITY_CHOICES } from './describe.js';

export interface RuleFormModel {
  /** The rule being edited, or null for a new one. */
  readonly ruleId: string | null;
  readonly draft: RuleDraft;
  readonly destinations: readonly Destination[];
  readonly issues?: readonly RuleIssue[];
  readonly error?: string;
  readonly preview?: RulePreview;
  /** False when the archive is off: no Preview button. */
  readonly canPreview: boolean;
  /** An administrator switched the rule off, saying why. */
  readonly disabledByAdmin?: string | null;
}

const words = (items: readonly string[]): string => items.join(' ');

function textField(name: keyof RuleDraft & string, label: string, value: readonly string[], hint: string): Html {
  return html`<label for="${name}">${label}</label>
<input type="text" id="${name}" name="${name}" value="${words(value)}" autocomplete="off">
<p class="hint">${hint}</p>`;
}

const box = (name: string, label: string, on: boolean): Html =>
  html`<label class="inline"><input type="checkbox" name="${name}" id="${name}" value="1" ${on ? html`checked` : null}> ${label}</label>`;

function issuesList(issues: readonly RuleIssue[] | undefined): Html | null {
  if (!issues?.length) return null;
  return html`<div class="banner error" role="alert">The rule was not saved:<ul class="issues">${issues.map((issue) => html`<li><code>${issue.field}</code>: ${issue.reason}</li>`)}</ul></div>`;
}

function destinationChoices(model: RuleFormModel): Html {
  if (model.destinations.length === 0) return html`<p class="muted">You have no destinations yet. <a href="/settings/destinations/new">Add one</a>.</p>`;
  return html`${model.destinations.map((destination) => {
    const state = destinationState(destination);
    const chosen = model.draft.destinations.includes(destination.id);
    return html`<label class="inline"><input type="checkbox" name="destinations" value="${destination.id}" ${chosen ? html`checked` : null}>
${destinationName(destination)} ${state.usable ? null : html`<span class="tag off">${state.text}</span>`}</label>`;
  })}
<p class="hint">Only confirmed destinations can be chosen. <a href="/settings/destinations/new">Add a destination</a>.</p>`;
}

function previewSection(preview: RulePreview): Html {
  const days = Math.round((preview.to - preview.from) / 86_400_000);
  const summary = html`In the last ${days} days this rule would have sent <strong>${preview.matched}</strong> notification${preview.matched === 1 ? '' : 's'}
(${preview.scanned} archived message${preview.scanned === 1 ? '' : 's'} read${preview.complete ? '' : html`, <strong>stopped early</strong>: the rule reads too much of the archive to judge all of it`}).`;
  const items = preview.items.map(
    (item) => html`<li><span class="muted">${new Date(item.time).toISOString().replace('T', ' ').slice(0, 16)}</span>
${item.url ? html`<a href="${item.url}">${item.summary}</a>` : item.summary} <code>${item.topic}</code>
<br><span class="hint">because ${item.because.join('; ')}</span></li>`,
  );
  return html`<section class="preview" id="preview" aria-label="Preview"><h2>Preview</h2><p>${summary}</p>
${preview.items.length ? html`<ol>${items}</ol>${preview.matched > preview.items.length ? html`<p class="hint">The newest ${preview.items.length} are shown.</p>` : null}` : null}</section>`;
}

export function ruleFormPage(context: PageContext, model: RuleFormModel): string {
  const { draft } = model;
  const action = model.ruleId ? `/settings/rules/${encodeURIComponent(model.ruleId)}` : '/settings/rules/new';
  const body = html`${issuesList(model.issues)}
${model.disabledByAdmin ? html`<div class="banner error" role="alert">An administrator switched this rule off: ${model.disabledByAdmin}</div>` : null}
<form method="post" action="${action}" id="rule-form">
${csrfField(context)}
${model.ruleId ? html`<input type="hidden" name="ruleId" value="${model.ruleId}">` : null}
<label for="name">Name</label>
<input type="text" id="name" name="name" value="${draft.name}" required maxlength="100">
${model.ruleId ? html`<input type="hidden" name="enabledShown" value="1">${box('enabled', 'This rule is on', draft.enabled)}` : null}
<fieldset><legend>Tell me about</legend>
${box('myEvents', 'My events (messages that name me)', draft.myEvents)}
${box('myPackages', 'Packages I own or co-maintain', draft.myPackages)}
${textField('packages', 'These packages', draft.packages, 'Package names, separated by spaces or commas.')}
${textField('users', 'What these people do', draft.users, 'Account names.')}
${textField('groups', 'Packages of these groups', draft.groups, 'Group names, e.g. kde-sig.')}
${textField('apps', 'Everything from these applications', draft.apps, 'Applications: buildsys, bodhi, git, pkgdb, fas, mirror…')}
${textField('topics', 'These topics', draft.topics, 'Topic patterns: * is one word, # any number, e.g. org.fedoraproject.*.buildsys.#')}
</fieldset>
<fieldset><legend>But only</legend>
${textField('includeApps', 'From these applications', draft.includeApps, 'Empty: from any application.')}
${textField('excludeApps', 'Not from these applications', draft.excludeApps, '')}
${textField('includeTopics', 'On these topics', draft.includeTopics, 'Empty: any topic.')}
${textField('excludeTopics', 'Not on these topics', draft.excludeTopics, '')}
<label for="minSeverity">Severity</label>
<select id="minSeverity" name="minSeverity">${SEVERITY_CHOICES.map((level) => html`<option value="${level.value}" ${level.value === draft.minSeverity ? html`selected` : null}>${level.label}</option>`)}</select>
<p>${box('myActions', 'Include what I did myself', draft.myActions)}</p>
</fieldset>
<fieldset><legend>Send to</legend>
${destinationChoices(model)}
</fieldset>
<div class="actions">
<button type="submit" id="save">Save rule</button>
${model.canPreview ? html`<button type="submit" class="secondary" id="preview-button" formaction="/settings/rules/preview">Preview the last 7 days</button>` : html`<span class="hint">Previews need the archive, which is off here.</span>`}
<a href="/settings">Cancel</a>
</div>
</form>
${model.preview ? previewSection(model.preview) : null}
${model.ruleId
    ? html`<form method="post" action="/settings/rules/${model.ruleId}/delete" class="actions">${csrfField(context)}<button type="submit" class="danger">Delete this rule</button></form>`
    : null}`;
  return page(context, model.ruleId ? `Rule: ${draft.name}` : 'New rule', body, { error: model.error });
}
