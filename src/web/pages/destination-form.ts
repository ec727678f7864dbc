/**
 * Destination pages: add one (the kinds this server delivers to), change its delivery, confirm it
 * with the code it was sent, and switch it off, on, or back from a pause.
 */
import type { Destination, DestinationKind } from '../../notify/index.js';
import { html, type Html } from '../html.js';
import { csrfField, page, type PageContext } from '../layout.js';
import { ADDRESS_HINTS, destinationName, destinationState, KIND_NAMES, timeOfDay } from './describe.js';

/** The destination form's fields as typed. */
export interface DestinationDraft {
  readonly kind: string;
  readonly address: string;
  readonly label: string;
  readonly mode: 'immediate' | 'digest';
  readonly everyMinutes: string;
  readonly afterCount: string;
  readonly quietStart: string;
  readonly quietEnd: string;
  readonly timeZone: string;
  readonly maxPerHour: string;
}

export function draftOfDestination(destination: Destination): DestinationDraft {
  const digest = destination.delivery.kind === 'digest' ? destination.delivery : null;
  return {
    kind: destination.kind,
    address: destination.address,
    label: destination.label,
    mode: destination.delivery.kind,
    everyMinutes: digest?.everyMinutes?.toString() ?? '',
    afterCount: digest?.afterCount?.toString() ?? '',
    quietStart: destination.quietHours ? timeOfDay(destination.quietHours.start) : '',
    quietEnd: destination.quietHours ? timeOfDay(destination.quietHours.end) : '',
    timeZone: destination.quietHours?.timeZone ?? '',
    maxPerHour: destination.maxPerHour?.toString() ?? '',
  };
}

export const newDestinationDraft = (kind: string): DestinationDraft => ({
  kind, address: '', label: '', mode: 'immediate', everyMinutes: '60', afterCount: '', quietStart: '', quietEnd: '', timeZone: 'UTC', maxPerHour: '',
});

export interface DestinationFormModel {
  /** The destination being changed, or null for a new one. */
  readonly destination: Destination | null;
  readonly draft: DestinationDraft;
  readonly kinds: readonly DestinationKind[];
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
  /** A webhook's signing secret, shown to its owner. */
  readonly webhookSecret?: string | undefined;
}

const field = (name: keyof DestinationDraft, label: string, value: string, type = 'text', extra: Html | null = null): Html =>
  html`<label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${value}" ${extra}>`;

function deliveryFields(draft: DestinationDraft): Html {
  const radio = (mode: DestinationDraft['mode'], label: string): Html =>
    html`<label class="inline"><input type="radio" name="mode" value="${mode}" id="mode-${mode}" ${draft.mode === mode ? html`checked` : null}> ${label}</label>`;
  return html`<fieldset><legend>Delivery</legend>
${radio('immediate', 'Each notification at once')}${radio('digest', 'A digest')}
${field('everyMinutes', 'Digest every … minutes (60: hourly, 1440: daily)', draft.everyMinutes, 'number', html`min="5" max="10080"`)}
${field('afterCount', 'or as soon as it holds … notifications', draft.afterCount, 'number', html`min="1" max="1000"`)}
<p class="hint">A digest goes out when either is reached; leave one empty to use only the other.</p>
${field('maxPerHour', 'At most … a hour (the rest wait for a digest)', draft.maxPerHour, 'number', html`min="1" max="10000"`)}
</fieldset>
<fieldset><legend>Quiet hours</legend>
<p class="hint">Nothing is sent between these times; what comes meanwhile waits and goes out as a digest after. Leave empty for none.</p>
${field('quietStart', 'From', draft.quietStart, 'time')}${field('quietEnd', 'To', draft.quietEnd, 'time')}
${field('timeZone', 'Time zone', draft.timeZone, 'text', html`placeholder="Europe/Prague"`)}
</fieldset>`;
}

export function destinationFormPage(context: PageContext, model: DestinationFormModel): string {
  const { destination, draft } = model;
  if (!destination) {
    const kinds = model.kinds.filter((kind) => kind !== 'inbox');
    const body = html`<form method="post" action="/settings/destinations/new">${csrfField(context)}
<label for="kind">Kind</label>
<select id="kind" name="kind">${kinds.map((kind) => html`<option value="${kind}" ${kind === draft.kind ? html`selected` : null}>${KIND_NAMES[kind]}</option>`)}</select>
${field('address', 'Address', draft.address, 'text', html`required maxlength="500"`)}
<p class="hint">${kinds.map((kind) => html`${KIND_NAMES[kind]}: ${ADDRESS_HINTS[kind]}. `)}</p>
${field('label', 'Label (optional)', draft.label, 'text', html`maxlength="100"`)}
${deliveryFields(draft)}
<p>A code is sent to the address; the destination is used once you enter it.</p>
<div class="actions"><button type="submit" id="add">Add and send the code</button><a href="/settings">Cancel</a></div></form>`;
    return page(context, 'Add a destination', body, { error: model.error });
  }
  const state = destinationState(destination);
  const id = destination.id;
  const post = (action: string, label: string, style = 'secondary'): Html =>
    html`<form method="post" action="/settings/destinations/${id}/${action}">${csrfField(context)}<button type="submit" class="${style}">${label}</button></form>`;
  const body = html`<p>${KIND_NAMES[destination.kind]}${destination.kind === 'inbox' ? null : html` to <code>${destination.address}</code>`} · <span class="tag ${state.usable ? '' : 'off'}">${state.text}</span></p>
${destination.pausedReason ? html`<div class="banner error" role="alert">Paused: ${destination.pausedReason}. Deliveries wait until you resume it.</div>` : null}
${destination.verifiedAt === null ? html`<p><a class="button" href="/settings/destinations/${id}/verify">Enter the confirmation code</a></p>` : null}
${model.webhookSecret ? html`<p>Signing secret (verify <code>X-Tidings-Signature</code> with it): <code>${model.webhookSecret}</code></p>` : null}
<form method="post" action="/settings/destinations/${id}">${csrfField(context)}
${field('label', 'Label', draft.label, 'text', html`maxlength="100"`)}
${deliveryFields(draft)}
<div class="actions"><button type="submit" id="save">Save</button><a href="/settings">Back</a></div></form>
<div class="actions">
${destination.pausedReason ? post('resume', 'Resume deliveries') : null}
${destination.kind === 'inbox' ? null : destination.disabled ? post('enable', 'Turn on') : post('disable', 'Turn off')}
${destination.kind === 'inbox' ? null : post('delete', 'Delete', 'danger')}
</div>`;
  return page(context, destinationName(destination), body, { error: model.error, notice: model.notice });
}

export interface VerifyModel {
  readonly destination: Destination;
  readonly code: string;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
}

export function verifyPage(context: PageContext, model: VerifyModel): string {
  const { destination } = model;
  const id = destination.id;
  const body = destination.verifiedAt !== null
    ? html`<p>This destination is confirmed. <a href="/settings">Back to the settings</a>.</p>`
    : html`<p>A code was sent to <code>${destination.address}</code>. Enter it to start using this destination.</p>
<form method="post" action="/settings/destinations/${id}/verify">${csrfField(context)}
<label for="code">Code</label><input type="text" id="code" name="code" value="${model.code}" required autocomplete="one-time-code" maxlength="40">
<div class="actions"><button type="submit" id="confirm">Confirm</button></div></form>
<form method="post" action="/settings/destinations/${id}/resend" class="actions">${csrfField(context)}<button type="submit" class="secondary">Send a new code</button></form>`;
  return page(context, `Confirm ${destinationName(destination)}`, body, { error: model.error, notice: model.notice });
}
