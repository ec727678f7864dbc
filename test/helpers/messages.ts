import { randomUUID } from 'node:crypto';
import type { RawMessage } from '../../src/bus/index.js';

let counter = 0;

/** A unique name for queues and topics, so tests never see each other's messages on a shared broker. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

export function rawMessage(topic: string, body: Record<string, unknown> = { n: counter++ }): RawMessage {
  return {
    id: randomUUID(),
    topic,
    headers: { fedora_messaging_schema: 'base.message', fedora_messaging_severity: 20, 'sent-at': new Date().toISOString() },
    body: JSON.stringify(body),
  };
}
