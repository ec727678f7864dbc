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

/** For tables: 75,000 ms → "1m15s"; 7,300,000 → "2h01m"; 3 days → "3d02h". */
export function shortDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86_400)}d${String(Math.floor((seconds % 86_400) / 3600)).padStart(2, '0')}h`;
}
