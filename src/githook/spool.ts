/**
 * Messages waiting for the bus: one JSON Lines file per message (the form `tidings publish` reads),
 * named by a sequence number so they are sent in the order they were written. A file appears whole
 * (written aside, then renamed) and is removed only once the broker confirmed its message. A lock
 * file keeps two deliveries from sending the same files at once.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { formatMessageLine, parseMessageLine, type Message, type ParsedMessage } from '../message/index.js';
import { SpoolError } from './errors.js';

const ENTRY = /^(\d{12})-[A-Za-z0-9_-]+\.json$/;
const LOCK_FILE = 'lock';
export const REJECTED_DIR = 'rejected';
/** A lock older than this is a delivery that died without removing it. */
const STALE_LOCK_MS = 10 * 60_000;
const LOCK_POLL_MS = 50;

export interface SpoolLock {
  release(): void;
}

export class Spool {
  constructor(readonly dir: string) {}

  /** Pending entries, oldest first. */
  entries(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new SpoolError(`cannot read the spool ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    return names.filter((name) => ENTRY.test(name)).sort();
  }

  /** Appends messages after every pending one, each in its own file, in order. */
  add(messages: readonly Message[]): string[] {
    if (messages.length === 0) return [];
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      throw new SpoolError(`cannot create the spool ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
    const last = this.entries().at(-1);
    let sequence = last === undefined ? 0 : Number(ENTRY.exec(last)![1]);
    const written: string[] = [];
    for (const message of messages) {
      sequence++;
      const name = `${String(sequence).padStart(12, '0')}-${message.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100)}.json`;
      this.writeWhole(name, formatMessageLine(message) + '\n');
      written.push(name);
    }
    return written;
  }

  private writeWhole(name: string, text: string): void {
    const aside = join(this.dir, `.writing-${process.pid}-${name}`);
    try {
      const fd = openSync(aside, 'w', 0o664);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(aside, join(this.dir, name));
    } catch (error) {
      rmSync(aside, { force: true });
      throw new SpoolError(`cannot write to the spool ${this.dir}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The message an entry holds. Throws MessageFormatError for a file that is not one. */
  read(name: string): ParsedMessage {
    return parseMessageLine(readFileSync(join(this.dir, name), 'utf8').trim());
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  /** Moves an entry the bus will never take aside, with the reason next to it, so it stops blocking the rest. */
  reject(name: string, reason: string): void {
    const rejected = join(this.dir, REJECTED_DIR);
    mkdirSync(rejected, { recursive: true });
    renameSync(join(this.dir, name), join(rejected, name));
    writeFileSync(join(rejected, `${name}.reason`), reason + '\n');
  }

  /**
   * Takes the delivery lock, waiting up to `waitMs` for another delivery to finish. Null when it is
   * still held then. A lock left by a process that no longer runs (or older than ten minutes) is broken.
   */
  async lock(waitMs: number): Promise<SpoolLock | null> {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, LOCK_FILE);
    const deadline = Date.now() + waitMs;
    const content = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
    for (;;) {
      try {
        writeFileSync(path, content, { flag: 'wx' });
        return {
          release: () => {
            try {
              if (readFileSync(path, 'utf8') === content) rmSync(path, { force: true });
            } catch {
              // Already gone: nothing to release.
            }
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new SpoolError(`cannot lock the spool ${this.dir}: ${(error as Error).message}`, { cause: error });
        }
      }
      if (isStale(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
}

function isStale(path: string): boolean {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; host?: unknown };
    if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) return true;
    if (holder.host !== hostname() || typeof holder.pid !== 'number') return false;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    // Unreadable or half-written: stale only once it is old.
    try {
      return Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS;
    } catch {
      return false;
    }
  }
}
