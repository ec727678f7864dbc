/**
 * One sync at a time on a tree, across processes: a lock file created exclusively, holding the
 * holder's host, pid and start time. A lock whose holder is gone (its process no longer runs on
 * this host — it crashed or was killed) is stale and taken over; a live one is refused (TreeLockedError).
 */
import { hostname } from 'node:os';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/** Stops an orphaned rsync (only if that pid still is an rsync) and waits up to 10 s for it to end. */
async function stopOrphan(pid: number): Promise<void> {
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!/rsync/.test(command)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < 10_000 && alive(pid); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
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
  private writing: Promise<void> = Promise.resolve();

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
      // A holder killed outright leaves its rsync running: stop it, so that two syncs never overlap.
      if (holder?.worker !== undefined) await stopOrphan(holder.worker);
      await rm(this.path, { force: true });
    }
    const holder = await readHolder(this.path);
    throw new TreeLockedError(holder ?? { host: 'unknown', pid: 0, since: 'just now' });
  }

  /** Records the process doing the holder's work now (rsync), for a takeover to stop if need be. */
  recordWorker(pid: number): Promise<void> {
    // Writes to the lock file go one after another, and none after release: a late rename would
    // bring a released lock back.
    this.writing = this.writing.then(async () => {
      if (!this.held) return;
      const holder = await readHolder(this.path);
      if (!holder || holder.pid !== process.pid) return;
      await writeFile(`${this.path}.tmp`, JSON.stringify({ ...holder, worker: pid } satisfies LockHolder));
      await rename(`${this.path}.tmp`, this.path);
    });
    return this.writing.catch(() => undefined);
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.writing.catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
