/**
 * Reading the pages' forms: fields as @fastify/formbody parses them (a repeated field is an array),
 * the destination form into the input the store validates, and where to go after a login.
 */
import type { DestinationDraft } from './pages/index.js';

export type Form = Record<string, string | string[] | undefined>;

export const formOf = (body: unknown): Form => (typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Form) : {});

export const fieldOf = (form: Form, name: string): string => {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

export function destinationDraftOf(form: Form): DestinationDraft {
  return {
    kind: fieldOf(form, 'kind'),
    address: fieldOf(form, 'address').trim(),
    label: fieldOf(form, 'label').trim(),
    mode: fieldOf(form, 'mode') === 'digest' ? 'digest' : 'immediate',
    everyMinutes: fieldOf(form, 'everyMinutes').trim(),
    afterCount: fieldOf(form, 'afterCount').trim(),
    quietStart: fieldOf(form, 'quietStart').trim(),
    quietEnd: fieldOf(form, 'quietEnd').trim(),
    timeZone: fieldOf(form, 'timeZone').trim(),
    maxPerHour: fieldOf(form, 'maxPerHour').trim(),
  };
}

/** An empty box is "none"; anything else goes to validation as a number (NaN included, refused there). */
const numberOrNull = (text: string): number | null => (text === '' ? null : Number(text));

/** "07:30" → 450; anything else NaN, which validation refuses with the field's name. */
function minutesOf(text: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
}

/** The delivery settings of the form, as the store's destination input (for a new one, also kind and address). */
export function destinationInputOf(draft: DestinationDraft, isNew: boolean): Record<string, unknown> {
  const quiet = draft.quietStart === '' && draft.quietEnd === '' ? null : { start: minutesOf(draft.quietStart), end: minutesOf(draft.quietEnd), timeZone: draft.timeZone || 'UTC' };
  return {
    ...(isNew ? { kind: draft.kind, address: draft.address } : {}),
    ...(draft.label !== '' ? { label: draft.label } : {}),
    delivery: draft.mode === 'digest' ? { kind: 'digest', everyMinutes: numberOrNull(draft.everyMinutes), afterCount: numberOrNull(draft.afterCount) } : { kind: 'immediate' },
    quietHours: quiet,
    maxPerHour: numberOrNull(draft.maxPerHour),
  };
}

/**
 * Where a login may send the person on: a path of this server only. `//evil.example` and `/\evil`
 * are other hosts to a browser, and control characters can split headers: all of them go to /settings.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2_000 || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/settings';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/settings';
  return next;
}
