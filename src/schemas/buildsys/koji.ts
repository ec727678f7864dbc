/** What the build system's schemas share: which Koji a message is from, and its web links. */
import type { Message } from '../../message/index.js';
import { text } from '../body.js';
import { environmentOf } from '../words.js';

/** `primary`, or a secondary hub (`s390`, `arm`, `ppc`…). */
export function instanceOf(message: Message): string {
  return text(message.body, 'instance') ?? 'primary';
}

/** ` (s390)` for a secondary hub's messages, nothing for the primary's. */
export function instanceSuffix(message: Message): string {
  const instance = instanceOf(message);
  return instance === 'primary' ? '' : ` (${instance})`;
}

/** The Koji web of the hub that sent the message (staging messages point at staging). */
export function kojiWeb(message: Message): string {
  if (environmentOf(message.topic) === 'stg') return 'http://koji.stg.fedoraproject.org/koji';
  const instance = instanceOf(message);
  // A secondary hub is a host name's first label; anything else is not worth a link.
  if (instance !== 'primary' && !/^[a-z0-9-]+$/i.test(instance)) return 'http://koji.fedoraproject.org/koji';
  return instance === 'primary' ? 'http://koji.fedoraproject.org/koji' : `http://${instance}.koji.fedoraproject.org/koji`;
}

/** A Koji web page about one object: `buildinfo?buildID=12`, `taginfo?tagID=3`… or the web's front page. */
export function kojiPage(message: Message, page: string, parameter: string, id: unknown): string {
  const base = kojiWeb(message);
  return typeof id === 'number' && Number.isInteger(id) ? `${base}/${page}?${parameter}=${id}` : base;
}

/** Koji's build states, by number (koji/__init__.py BUILD_STATES). */
export const BUILD_STATE_EVENTS: readonly string[] = ['started building', 'completed', 'was deleted', 'failed to build', 'was cancelled'];

/** Koji's task states as the plugin names them, and what a person would say happened. */
export const TASK_STATE_EVENTS: Readonly<Record<string, string>> = {
  FREE: 'was queued',
  OPEN: 'started',
  CLOSED: 'completed',
  CANCELED: 'was cancelled',
  ASSIGNED: 'was assigned to a builder',
  FAILED: 'failed',
};

/** The Python schema package's names for a class: its entry point and its class path. */
export function kojiAliases(module: string, className: string): string[] {
  return [`koji_fedoramessaging.${module}.${className}`, `koji_fedoramessaging_messages.${module}:${className}`];
}
