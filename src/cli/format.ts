/** How messages look in a terminal: one readable line each. */
import type { ReceivedMessage } from '../bus/index.js';

const SEVERITY_MARK: Record<number, string> = { 10: 'debug', 20: '', 30: 'WARNING', 40: 'ERROR' };

/** `2024-07-30 19:12:22  org.example.prod.bars.thing.happened  summary`, free of control characters. */
export function formatReadableLine(message: ReceivedMessage): string {
  const { facts } = message;
  const time = (facts.sentAt ?? new Date()).toISOString().slice(0, 19).replace('T', ' ');
  const mark = SEVERITY_MARK[facts.severity] ?? '';
  const parts = [time, message.topic, mark, facts.summary].filter((part) => part !== '');
  return stripControl(parts.join('  '));
}

/** Message text comes from strangers: never let it move the cursor or recolour a terminal. */
export function stripControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
}
