/**
 * Trace files: each mirror writes one into its tree after every sync — who it is, what serial it
 * serves, when and how the sync ran — in the spirit of Debian's project/trace/ files, so that anyone
 * can check a mirror's freshness with a plain HTTP or rsync fetch, without the bus. The master
 * writes one too (tier 0). Plain `Key: value` lines, read by people and by parseTrace.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where traces live in a tree, one file per mirror, named after it. */
export const TRACE_DIRECTORY = '.tidings/trace';

export interface Trace {
  readonly mirror: string;
  /** 0 for the master. */
  readonly tier: number;
  readonly upstream: string | null;
  readonly module: string;
  readonly serial: number;
  /** ISO 8601. */
  readonly started: string;
  readonly finished: string;
  /** What started the sync: a message, the serial check, a manual run, the agent's start. */
  readonly trigger: string;
  readonly stages: Readonly<Record<string, number>>;
  readonly bytes: number;
  readonly files: number;
}

const KEYS: ReadonlyArray<[keyof Trace, string]> = [
  ['mirror', 'Mirror'],
  ['tier', 'Tier'],
  ['upstream', 'Upstream'],
  ['module', 'Module'],
  ['serial', 'Serial'],
  ['started', 'Started'],
  ['finished', 'Finished'],
  ['trigger', 'Trigger'],
  ['bytes', 'Bytes'],
  ['files', 'Files'],
];

export function formatTrace(trace: Trace): string {
  const lines = [`Date: ${new Date(trace.finished).toUTCString()}`];
  for (const [key, label] of KEYS) lines.push(`${label}: ${trace[key] ?? '-'}`);
  lines.push(`Stages: ${Object.entries(trace.stages).map(([stage, seconds]) => `${stage}=${seconds.toFixed(2)}s`).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** Null when the text is not a trace (or names no serial). */
export function parseTrace(text: string): Trace | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2).trim());
  }
  const serial = Number(fields.get('Serial'));
  if (!Number.isSafeInteger(serial) || serial < 1) return null;
  const stages: Record<string, number> = {};
  for (const part of (fields.get('Stages') ?? '').split(' ')) {
    const match = /^(\w+)=([\d.]+)s$/.exec(part);
    if (match) stages[match[1]!] = Number(match[2]);
  }
  const upstream = fields.get('Upstream');
  return {
    mirror: fields.get('Mirror') ?? '',
    tier: Number(fields.get('Tier') ?? 0),
    upstream: upstream === undefined || upstream === '-' ? null : upstream,
    module: fields.get('Module') ?? '',
    serial,
    started: fields.get('Started') ?? '',
    finished: fields.get('Finished') ?? '',
    trigger: fields.get('Trigger') ?? '',
    stages,
    bytes: Number(fields.get('Bytes') ?? 0),
    files: Number(fields.get('Files') ?? 0),
  };
}

export function tracePath(tree: string, mirror: string): string {
  return join(tree, TRACE_DIRECTORY, mirror);
}

/** Writes the trace atomically (a reader sees the old one or the new one, never half of one). */
export async function writeTrace(tree: string, trace: Trace): Promise<void> {
  const path = tracePath(tree, trace.mirror);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, formatTrace(trace));
  await rename(temporary, path);
}

export async function readTrace(tree: string, mirror: string): Promise<Trace | null> {
  try {
    return parseTrace(await readFile(tracePath(tree, mirror), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
