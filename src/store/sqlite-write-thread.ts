/**
 * The archive's SQLite inserts run on a worker thread. better-sqlite3 is synchronous: a batch of
 * thousands of messages on the main thread would stall everything else `tidings serve` does (HTTP
 * publishes, streams, the hub) for as long as the transaction takes. On its own thread it also runs
 * beside the decoding of the next messages, on another core.
 */
import { Worker } from 'node:worker_threads';
import type { ArchiveRecord } from './archive-store.js';
import { StoreError } from './errors.js';

export interface WriteRequest {
  readonly id: number;
  readonly records: readonly ArchiveRecord[];
}

export type WriteReply =
  | { readonly id: number; readonly stored: number }
  | { readonly id: number; readonly error: { readonly message: string; readonly code: string | null } };

/** The worker module beside this one: compiled JavaScript, or TypeScript when run from source. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './sqlite-write-worker.ts' : './sqlite-write-worker.js', import.meta.url);

function startWorker(path: string): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: { path } });
  // Tests and benchmarks run the TypeScript under tsx, whose loader a worker thread does not
  // inherit: the worker registers it before loading the module.
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: { path } });
}

interface Pending {
  resolve(stored: number): void;
  reject(error: Error): void;
}

/** Raised in place of the worker's error: the same message and SQLite code. */
export class SqliteWriteError extends StoreError {
  constructor(
    message: string,
    readonly sqliteCode: string | null,
  ) {
    super(message);
  }
}

export class SqliteWriteThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly path: string) {}

  /** Stores the records (see ArchiveStore.insert); resolves with how many were new. */
  insert(records: readonly ArchiveRecord[]): Promise<number> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while a write is out, so the process waits for its answer; let go when idle.
      worker.ref();
      worker.postMessage({ id, records } satisfies WriteRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private start(): Worker {
    const worker = startWorker(this.path);
    worker.on('message', (reply: WriteReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      // An idle thread must not keep alive a process that has nothing else to do.
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) pending.reject(new SqliteWriteError(`archive write failed: ${reply.error.message}`, reply.error.code));
      else pending.resolve(reply.stored);
    });
    const fail = (error: unknown): void => {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.pending.values()) reject(new StoreError(`the archive's write thread stopped: ${reason}`, { cause: error }));
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) fail(new Error(`exit code ${code}`));
    });
    return worker;
  }
}
