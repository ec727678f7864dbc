/**
 * What git tells a post-receive hook on stdin: one `<old> <new> <ref>` line per updated ref, with
 * the all-zero name for "did not exist" (a creation) or "no longer exists" (a deletion).
 */

export type RefKind = 'branch' | 'tag' | 'other';
export type RefAction = 'create' | 'update' | 'delete';

export interface RefUpdate {
  /** The full ref name, e.g. `refs/heads/main`. Chosen by the pusher: never put it on a command line. */
  readonly ref: string;
  readonly kind: RefKind;
  /** `main` for `refs/heads/main`, `v1.0` for `refs/tags/v1.0`, the full name otherwise. */
  readonly name: string;
  readonly action: RefAction;
  /** Null for a creation. */
  readonly oldRev: string | null;
  /** Null for a deletion. */
  readonly newRev: string | null;
}

const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO = /^0+$/;

export function isObjectName(text: string): boolean {
  return OBJECT_NAME.test(text);
}

export function classifyRef(ref: string): { kind: RefKind; name: string } {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return { kind: 'other', name: ref };
}

export interface ParsedRefUpdates {
  readonly updates: RefUpdate[];
  /** Lines that are not `<old> <new> <ref>`, for a warning: git never sends them. */
  readonly skipped: string[];
}

/** Parses post-receive's stdin. Lines that do not have that shape are skipped, not fatal. */
export function parseRefUpdates(text: string): ParsedRefUpdates {
  const updates: RefUpdate[] = [];
  const skipped: string[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const first = line.indexOf(' ');
    const second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    const oldText = line.slice(0, first);
    const newText = line.slice(first + 1, second);
    const ref = second < 0 ? '' : line.slice(second + 1);
    if (first < 0 || second < 0 || !isObjectName(oldText) || !isObjectName(newText) || ref === '') {
      skipped.push(line.slice(0, 200));
      continue;
    }
    const oldRev = ZERO.test(oldText) ? null : oldText;
    const newRev = ZERO.test(newText) ? null : newText;
    if (oldRev === null && newRev === null) {
      skipped.push(line.slice(0, 200));
      continue;
    }
    const action: RefAction = oldRev === null ? 'create' : newRev === null ? 'delete' : 'update';
    updates.push({ ref, ...classifyRef(ref), action, oldRev, newRev });
  }
  return { updates, skipped };
}
