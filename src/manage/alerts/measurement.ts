/** One kind's measurement of one subject at one sample, before hysteresis decides what it means. */
import type { AlertKind, AlertSubjectType, AlertUnit } from './alert.js';
import type { Reading } from './breach-tracker.js';

export interface Measurement {
  readonly kind: AlertKind;
  readonly subjectType: AlertSubjectType;
  readonly subject: string;
  readonly value: number;
  readonly threshold: number;
  readonly unit: AlertUnit;
  readonly reading: Reading;
  /** How long the breach must last before it is raised (0 for the kinds whose threshold is a duration). */
  readonly sustainMs: number;
  /** For the duration kinds: when the condition began, which is earlier than when it crossed its threshold. */
  readonly since?: number;
  /** The raise message; called only when the alert is raised. */
  readonly describe: () => string;
}

/** How a subject is named in messages: `queue "x"`, `publisher family "buildsys"`, `broker node "rabbit@h"`. */
export function subjectLabel(subjectType: AlertSubjectType, subject: string): string {
  const noun = subjectType === 'queue' ? 'queue' : subjectType === 'family' ? 'publisher family' : 'broker node';
  return `${noun} "${subject}"`;
}
