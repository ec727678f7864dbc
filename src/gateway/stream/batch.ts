/**
 * Write batching for fan-out. A frame written to a socket on its own is a syscall of its own; with
 * a thousand clients that is a thousand syscalls and a thousand write requests per message, and
 * the kernel and the stream machinery, not the fan-out, become the limit. So frames for a client
 * are collected until the current turn of the event loop is over (setImmediate) and leave in one
 * write. At a low rate that is one frame per write and costs nothing in latency; under load more
 * messages arrive per turn and the batches grow with them, which is what keeps up.
 */
const due = new Set<WriteBatch>();
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  for (const batch of due) batch.flush();
  due.clear();
}

export class WriteBatch {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly sink: (data: Buffer) => void) {}

  /** Bytes collected this turn, not yet written. */
  get pendingBytes(): number {
    return this.bytes;
  }

  add(chunk: Buffer): void {
    if (this.bytes === 0) {
      due.add(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushAll);
      }
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Writes what was collected now (before a frame that must come after it, or a close). */
  flush(): void {
    if (this.bytes === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    this.sink(data);
  }

  /** Forgets what was collected (the connection is gone). */
  discard(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
