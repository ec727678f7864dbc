/**
 * Reading what git prints, as pure functions: commit records, numstat, annotated tags, and a patch
 * cut to a size. Everything asked of git uses -z or NUL separators, so no path or message can be
 * mistaken for a separator.
 */
import { isObjectName } from './ref-updates.js';

export interface Person {
  readonly name: string;
  readonly email: string;
  /** ISO 8601 with the person's own offset, as git's %aI prints it. */
  readonly date: string;
}

export interface CommitRecord {
  readonly rev: string;
  readonly parents: string[];
  readonly author: Person;
  readonly committer: Person;
  /** The whole message: subject, blank line, body. */
  readonly message: string;
}

/** `git log -z --format=COMMIT_FORMAT`: fields separated by NUL, commits by NUL. */
export const COMMIT_FORMAT = ['%H', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x00');
const COMMIT_FIELDS = 9;

export function parseCommitRecords(output: Buffer | string): CommitRecord[] {
  const fields = output.toString().split('\0');
  const records: CommitRecord[] = [];
  for (let at = 0; at + COMMIT_FIELDS <= fields.length; at += COMMIT_FIELDS) {
    const [rev, parents, authorName, authorEmail, authorDate, committerName, committerEmail, committerDate, message] =
      fields.slice(at, at + COMMIT_FIELDS) as [string, string, string, string, string, string, string, string, string];
    // Between commits, -z leaves the separator at the start of the next record on some versions.
    const cleanRev = rev.replace(/^\n/, '');
    if (!isObjectName(cleanRev)) break;
    records.push({
      rev: cleanRev,
      parents: parents === '' ? [] : parents.split(' '),
      author: { name: authorName, email: authorEmail, date: authorDate },
      committer: { name: committerName, email: committerEmail, date: committerDate },
      message,
    });
  }
  return records;
}

/** The first line of a message, as git's %s (without the line break). */
export function subjectOf(message: string): string {
  const end = message.indexOf('\n');
  return (end < 0 ? message : message.slice(0, end)).trim();
}

export interface FileStat {
  readonly path: string;
  /** 0 for a binary file. */
  readonly additions: number;
  readonly deletions: number;
  readonly binary: boolean;
}

/**
 * `git diff-tree --stdin -z --numstat --always`: each commit's name (alone in its field), then one
 * `added<TAB>deleted<TAB>path` field per file; a binary file has `-` for both counts.
 */
export function parseNumstat(output: Buffer | string): Map<string, FileStat[]> {
  const byCommit = new Map<string, FileStat[]>();
  let current: FileStat[] | undefined;
  for (const field of output.toString().split('\0')) {
    if (field === '') continue;
    const firstTab = field.indexOf('\t');
    if (firstTab < 0) {
      const rev = field.trim();
      if (isObjectName(rev)) {
        current = [];
        byCommit.set(rev, current);
      }
      continue;
    }
    const secondTab = field.indexOf('\t', firstTab + 1);
    if (current === undefined || secondTab < 0) continue;
    const added = field.slice(0, firstTab);
    const deleted = field.slice(firstTab + 1, secondTab);
    const binary = added === '-' || deleted === '-';
    current.push({
      path: field.slice(secondTab + 1),
      additions: binary ? 0 : Number(added) || 0,
      deletions: binary ? 0 : Number(deleted) || 0,
      binary,
    });
  }
  return byCommit;
}

export interface PatchExcerpt {
  readonly text: string;
  readonly truncated: boolean;
}

export const PATCH_TRUNCATED_MARKER = '[… patch truncated by tidings: the full change is in the repository]';

/**
 * A patch of at most `maxBytes` bytes of UTF-8 (before the marker). When git printed more, the cut
 * falls at the end of a line where one is near, never inside a character, and the marker follows.
 */
export function patchExcerpt(output: Buffer, maxBytes: number, moreWasPrinted: boolean): PatchExcerpt {
  if (!moreWasPrinted && output.length <= maxBytes) return { text: output.toString('utf8'), truncated: false };
  let end = Math.min(output.length, maxBytes);
  const lastNewline = output.lastIndexOf(0x0a, end - 1);
  if (lastNewline >= 0 && end - lastNewline <= 4096) {
    end = lastNewline + 1;
  } else {
    end = utf8Boundary(output, end);
  }
  const text = output.subarray(0, end).toString('utf8');
  return { text: `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${PATCH_TRUNCATED_MARKER}\n`, truncated: true };
}

/** The largest cut at or before `end` that does not split a UTF-8 character. */
function utf8Boundary(bytes: Buffer, end: number): number {
  let start = end;
  // Back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  while (start > 0 && end - start < 4 && (bytes[start - 1]! & 0xc0) === 0x80) start--;
  if (start === 0) return end;
  const lead = bytes[start - 1]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start - 1 + length > end ? start - 1 : end;
}

export interface TagRecord {
  /** What the tag points at (for an annotated tag: the object it names). */
  readonly object: string;
  readonly type: string;
  readonly tagger: Person | null;
  readonly message: string;
}

/** `git cat-file tag <name>`: header lines, a blank line, the message (with any signature). */
export function parseTagObject(text: string): TagRecord {
  const split = text.indexOf('\n\n');
  const headerText = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  let object = '';
  let type = '';
  let tagger: Person | null = null;
  for (const line of headerText.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'object') object = value;
    else if (key === 'type') type = value;
    else if (key === 'tagger') tagger = parseIdentLine(value);
  }
  return { object, type, tagger, message };
}

/** `Name <email> 1717171717 +0200` → the person with an ISO 8601 date in their own offset. */
export function parseIdentLine(value: string): Person | null {
  const match = /^(.*?) ?<([^>]*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(value);
  if (!match) return null;
  const [, name, email, epoch, sign, hours, minutes] = match as unknown as [string, string, string, string, string, string, string];
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  const local = new Date((Number(epoch) + offsetMinutes * 60) * 1000).toISOString().slice(0, 19);
  return { name, email, date: `${local}${sign}${hours}:${minutes}` };
}
