/**
 * One rsync run, and what it did: the files it sent (from --itemize-changes), the deletions, and
 * the bytes (from --stats). Arguments are passed as a list, never through a shell.
 */
import { spawn } from 'node:child_process';

export interface RsyncResult {
  readonly exitCode: number;
  /** Files transferred (created or updated), relative paths as rsync printed them. */
  readonly transferred: string[];
  readonly deleted: string[];
  /** Total size of the files transferred. */
  readonly bytes: number;
  readonly stderr: string;
  readonly seconds: number;
}

/** rsync's exit codes that still leave what it did consistent: 24 (files vanished on the sender), 25 (--max-delete reached). */
export const PARTIAL_SUCCESS_CODES: ReadonlySet<number> = new Set([24, 25]);

function statNumber(stats: string, label: string): number {
  const match = new RegExp(`^${label}: ([\\d,.]+)`, 'm').exec(stats);
  return match ? Number(match[1]!.replace(/[,.]/g, '')) : 0;
}

export function parseRsyncOutput(stdout: string): Pick<RsyncResult, 'transferred' | 'deleted' | 'bytes'> {
  const transferred: string[] = [];
  const deleted: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('*deleting ')) deleted.push(line.slice('*deleting '.length).trim());
    // Itemized: YXcstpoguax path — `>f` a file received, `cL` a link created, `hf` a hard link.
    else if (/^[>ch][fLDS][^ ]* /.test(line)) transferred.push(line.slice(line.indexOf(' ') + 1));
  }
  return { transferred, deleted, bytes: statNumber(stdout, 'Total transferred file size') };
}

export function runRsync(args: readonly string[], options: { rsync?: string; signal?: AbortSignal; onSpawn?: (pid: number) => void } = {}): Promise<RsyncResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // The C locale: --stats numbers with the separators this parser expects.
    const child = spawn(options.rsync ?? 'rsync', ['--itemize-changes', '--stats', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, ...(options.signal ? { signal: options.signal } : {}) });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
    child.on('error', (error) => reject(error));
    child.on('close', (code) => resolve({ exitCode: code ?? -1, ...parseRsyncOutput(stdout), stderr, seconds: (performance.now() - started) / 1000 }));
  });
}
