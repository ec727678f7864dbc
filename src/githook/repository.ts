/**
 * The questions the hook asks a repository, each one git command. Object names go on command lines
 * and stdin; ref names never do.
 */
import { Git } from './git.js';
import {
  COMMIT_FORMAT,
  parseCommitRecords,
  parseNumstat,
  parseTagObject,
  patchExcerpt,
  type CommitRecord,
  type FileStat,
  type PatchExcerpt,
  type TagRecord,
} from './git-output.js';
import { isObjectName } from './ref-updates.js';

export interface RefTip {
  readonly ref: string;
  readonly rev: string;
}

export interface CommitDetails extends CommitRecord {
  readonly files: FileStat[];
  readonly patch: PatchExcerpt;
}

/** rev-list's stdin: the tips to walk from, then `^name` for each tip whose history is known. */
function walkInput(include: readonly string[], exclude: readonly string[]): string {
  return [...include, ...exclude.map((rev) => `^${rev}`)].join('\n') + '\n';
}

/** `<commit> <first parent>`: diff-tree compares a merge with its first parent only, as `git log -p --first-parent` would. */
function diffInput(record: CommitRecord): string {
  return record.parents.length > 0 ? `${record.rev} ${record.parents[0]}` : record.rev;
}

export class Repository {
  constructor(readonly git: Git) {}

  get gitDir(): string {
    return this.git.gitDir;
  }

  /** Every branch and tag with the object it names now. */
  async branchesAndTags(): Promise<RefTip[]> {
    const output = await this.git.text(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', 'refs/tags/']);
    const tips: RefTip[] = [];
    for (const line of output.split('\n')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      const rev = line.slice(0, space);
      if (isObjectName(rev)) tips.push({ rev, ref: line.slice(space + 1) });
    }
    return tips;
  }

  /** Commits reachable from `include` but from none of `exclude`. */
  async countCommits(include: readonly string[], exclude: readonly string[]): Promise<number> {
    const output = await this.git.text(['rev-list', '--count', '--stdin'], { input: walkInput(include, exclude) });
    return Number(output.trim()) || 0;
  }

  /** The newest `max` of those commits, oldest first (parents before children). */
  async newestCommits(include: readonly string[], exclude: readonly string[], max: number): Promise<string[]> {
    if (max <= 0) return [];
    const output = await this.git.text(['rev-list', '--topo-order', `--max-count=${max}`, '--stdin'], {
      input: walkInput(include, exclude),
    });
    return output.split('\n').filter(isObjectName).reverse();
  }

  /** Whether `ancestor` is in the history of `descendant` (a fast-forward from one to the other). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const { code } = await this.git.run(['merge-base', '--is-ancestor', ancestor, descendant], { okCodes: [1, 128] });
    return code === 0;
  }

  /** `blob`, `tree`, `commit` or `tag`. */
  async objectType(rev: string): Promise<string> {
    return (await this.git.text(['cat-file', '-t', rev])).trim();
  }

  /** The commit a name leads to (through tags), or null when it leads to a tree or blob. */
  async peelToCommit(rev: string): Promise<string | null> {
    const output = await this.git.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { okCodes: [1, 128] });
    const peeled = output.stdout.toString('utf8').trim();
    return output.code === 0 && isObjectName(peeled) ? peeled : null;
  }

  async tag(rev: string): Promise<TagRecord> {
    return parseTagObject(await this.git.text(['cat-file', 'tag', rev]));
  }

  /** Author, committer, message, changed files (first-parent diff) and a bounded patch of each commit. */
  async commitDetails(revs: readonly string[], maxPatchBytes: number): Promise<CommitDetails[]> {
    if (revs.length === 0) return [];
    const records = parseCommitRecords(
      (await this.git.run(['log', '--no-walk=unsorted', '--stdin', '-z', '--encoding=UTF-8', `--format=${COMMIT_FORMAT}`], {
        input: revs.join('\n') + '\n',
      })).stdout,
    );
    const stats = parseNumstat(
      (await this.git.run(['diff-tree', '--stdin', '-r', '--root', '--always', '--no-renames', '--numstat', '-z'], {
        input: records.map(diffInput).join('\n') + '\n',
      })).stdout,
    );
    const details: CommitDetails[] = [];
    for (const record of records) {
      details.push({ ...record, files: stats.get(record.rev) ?? [], patch: await this.patch(record, maxPatchBytes) });
    }
    return details;
  }

  private async patch(record: CommitRecord, maxBytes: number): Promise<PatchExcerpt> {
    if (maxBytes <= 0) return { text: '', truncated: false };
    const output = await this.git.run(
      ['diff-tree', '--stdin', '-r', '--root', '-p', '--no-commit-id', '--no-ext-diff', '--no-textconv', '--no-renames'],
      { input: diffInput(record) + '\n', maxBytes: maxBytes + 1 },
    );
    return patchExcerpt(output.stdout, maxBytes, output.truncated);
  }
}
