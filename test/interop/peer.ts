/**
 * The Python peer (test/interop/fm_peer.py, pika only): publishes and reads the fedora-messaging wire
 * format independently of Tidings. Runs under Debian's /usr/bin/python3, which has python3-pika.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const PEER = fileURLToPath(new URL('./fm_peer.py', import.meta.url));

/** One message for `fm_peer.py publish` (see its docstring). */
export interface PeerMessage {
  readonly topic: string;
  readonly body?: unknown;
  readonly id?: string;
  readonly schema?: string;
  readonly schema_package?: string;
  /** null leaves the severity header out, as an old or hand-written publisher might. */
  readonly severity?: number | null;
  readonly priority?: number;
  readonly usernames?: readonly string[];
  readonly groups?: readonly string[];
  readonly packages?: readonly string[];
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly ensure_ascii?: boolean;
  readonly raw_body?: string;
  readonly raw_body_base64?: string;
}

export interface PeerHeader {
  readonly value: unknown;
  /** The AMQP field type octet on the wire: 'S' long string, 'I' signed 32-bit, 't' boolean… */
  readonly type: string;
  /** What the brief's rule infers from pika's Python value (bool → t, small int → I, str → S). */
  readonly inferred_type: string | null;
  /** The Python type pika decoded the value as: str, bytes, int, bool… */
  readonly python_type: string;
}

/** One message as `fm_peer.py consume` reports it. */
export interface PeerRecord {
  readonly routing_key: string;
  readonly exchange: string;
  readonly redelivered: boolean;
  readonly properties: {
    readonly content_type: string | null;
    readonly content_encoding: string | null;
    readonly delivery_mode: number | null;
    readonly message_id: string | null;
    readonly priority: number | null;
  };
  readonly other_properties: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, PeerHeader>>;
  readonly body_base64: string;
  readonly body_json: unknown;
  readonly body_error?: string;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runPeer(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PEER, ...args], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`fm_peer.py ${args[0]} did not finish (${error.message}); stderr:\n${stderr}`, { cause: error }));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Publishes as fedora-messaging does, with confirms; resolves with the ids, in order. */
export async function peerPublish(url: string, messages: readonly PeerMessage[], timeoutMs = 60_000): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-peer-'));
  const file = join(dir, 'messages.jsonl');
  try {
    writeFileSync(file, messages.map((message) => JSON.stringify(message)).join('\n') + '\n');
    const run = await runPeer(['publish', '--url', url, '--file', file], timeoutMs);
    if (run.code !== 0) throw new Error(`fm_peer.py publish exited ${run.code}; stderr:\n${run.stderr}`);
    const ids = run.stdout.split('\n').filter((line) => line !== '');
    if (ids.length !== messages.length) {
      throw new Error(`fm_peer.py publish printed ${ids.length} ids for ${messages.length} messages; stderr:\n${run.stderr}`);
    }
    return ids;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads and acks `count` messages from an existing queue; fails (showing what came) if fewer arrive. */
export async function peerConsume(url: string, queue: string, count: number, timeoutSeconds = 30): Promise<PeerRecord[]> {
  const run = await runPeer(
    ['consume', '--url', url, '--queue', queue, '--count', String(count), '--timeout', String(timeoutSeconds)],
    (timeoutSeconds + 30) * 1000,
  );
  const records = run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PeerRecord);
  if (run.code !== 0) {
    throw new Error(`fm_peer.py consume exited ${run.code} after ${records.length} of ${count} messages from "${queue}"; stderr:\n${run.stderr}`);
  }
  return records;
}

/** The body bytes the peer saw. */
export function bodyBytes(record: PeerRecord): Buffer {
  return Buffer.from(record.body_base64, 'base64');
}

/** True when `/usr/bin/python3` can import pika (install: apt-get install -y python3-pika). */
export async function peerAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-c', 'import pika'], (error) => resolve(error === null));
  });
}
