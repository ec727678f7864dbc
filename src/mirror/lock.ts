/**
 * One sync at a time on a tree, across processes: a lock file created exclusively, holding the
 * holder's host, pid and start time. A lock whose holder is gone (its process no longer runs on
 * this host — it crashed or was killed) is stale and taken over; a live one is refused (TreeLockedError).
 */
import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { TreeLockedError, type LockHolder } from './errors.js';


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null;
  }
}

export class TreeLock {
  private held = false;

  constructor(private readonly path: string) {}

  /** Takes the lock, taking over a stale one; throws TreeLockedError while a live process holds it. */
  async acquire(): Promise<{ tookOver: LockHolder | null }> {
    let tookOver: LockHolder | null = null;
    // Two tries: a stale lock is removed once, then created; losing that race to another agent is a live holder.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const file = await open(this.path, 'wx');
        await file.writeFile(JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString() } satisfies LockHolder));
        await file.close();
        this.held = true;
        return { tookOver };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readHolder(this.path);
      // A holder on another host cannot be checked: it is respected (trees are local to their agent).
      if (holder && (holder.host !== hostname() || alive(holder.pid))) throw new TreeLockedError(holder);
      tookOver = holder ?? { host: 'unknown', pid: 0, since: 'unknown (unreadable lock file)' };
      await rm(this.path, { force: true });
    }
    const holder = await readHolder(this.path);
    throw new TreeLockedError(holder ?? { host: 'unknown', pid: 0, since: 'just now' });
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await rm(this.path, { force: true });
  }
}
