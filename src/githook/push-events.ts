/**
 * What a push did, as events worth announcing. post-receive runs after the refs moved, so "new
 * commits" cannot be `rev-list NEW --not --all` (that excludes everything just pushed): they are the
 * commits reachable from a pushed tip but from none of the branches and tags that existed before the
 * push — every branch and tag this push did not touch, the old value of each one it did, and the
 * tips of refs earlier in the same push (so a commit pushed to two branches is announced once).
 */
import type { Person } from './git-output.js';
import type { RefUpdate } from './ref-updates.js';
import type { CommitDetails, Repository } from './repository.js';

export interface TagDetails {
  readonly annotated: boolean;
  /** The commit the tag leads to; null for a tag of a tree or blob. */
  readonly target: string | null;
  readonly tagger: Person | null;
  readonly message: string | null;
}

export type PushEvent =
  | { readonly type: 'commit'; readonly update: RefUpdate; readonly commit: CommitDetails; readonly forced: boolean }
  | { readonly type: 'created'; readonly update: RefUpdate; readonly newCommits: number; readonly tag: TagDetails | null }
  | { readonly type: 'deleted'; readonly update: RefUpdate }
  | { readonly type: 'forced'; readonly update: RefUpdate; readonly newCommits: number; readonly droppedCommits: number }
  | {
      readonly type: 'omitted';
      readonly update: RefUpdate;
      readonly forced: boolean;
      readonly totalCommits: number;
      readonly announcedCommits: number;
    };

export interface PushLimits {
  /** Commits announced one by one per push; the rest get one summary per ref. */
  readonly maxCommits: number;
  readonly maxPatchBytes: number;
}

export interface PushAnalysis {
  readonly events: PushEvent[];
  /** Refs outside refs/heads and refs/tags: not announced. */
  readonly ignored: RefUpdate[];
}

export async function analyzePush(repository: Repository, updates: readonly RefUpdate[], limits: PushLimits): Promise<PushAnalysis> {
  const pushed = new Set(updates.map((update) => update.ref));
  // Refs this push did not touch keep their value: their history was known before it.
  const untouched = (await repository.branchesAndTags()).filter((tip) => !pushed.has(tip.ref)).map((tip) => tip.rev);
  const pushedTips = updates.flatMap((update) => (update.kind !== 'other' && update.newRev !== null ? [update.newRev] : []));
  const known = new Set(untouched);
  for (const update of updates) if (update.kind !== 'other' && update.oldRev) known.add(update.oldRev);

  const events: PushEvent[] = [];
  const ignored: RefUpdate[] = [];
  let budget = Math.max(0, limits.maxCommits);

  for (const update of updates) {
    if (update.kind === 'other') {
      ignored.push(update);
      continue;
    }
    if (update.action === 'delete' || update.newRev === null) {
      events.push({ type: 'deleted', update });
      continue;
    }
    const newRev = update.newRev;
    const commitTip = await repository.peelToCommit(newRev);
    const exclude = [...known];
    const total = commitTip === null ? 0 : await repository.countCommits([commitTip], exclude);
    const forced = update.action === 'update' && update.oldRev !== null && !(await isFastForward(repository, update.oldRev, newRev));

    if (update.action === 'create') {
      events.push({ type: 'created', update, newCommits: total, tag: update.kind === 'tag' ? await tagDetails(repository, newRev, commitTip) : null });
    } else if (update.kind === 'tag') {
      // A tag moved to another object: announced like a creation, with its old value.
      events.push({ type: 'created', update, newCommits: total, tag: await tagDetails(repository, newRev, commitTip) });
    } else if (forced && update.oldRev !== null) {
      // Commits that were on the branch and now are on no branch or tag (a branch pushed alongside may keep them).
      const dropped = await repository.countCommits([update.oldRev], [...untouched, ...pushedTips]);
      events.push({ type: 'forced', update, newCommits: total, droppedCommits: dropped });
    }

    const announced = Math.min(total, budget);
    if (announced < total) events.push({ type: 'omitted', update, forced, totalCommits: total, announcedCommits: announced });
    if (announced > 0 && commitTip !== null) {
      const revs = await repository.newestCommits([commitTip], exclude, announced);
      for (const commit of await repository.commitDetails(revs, limits.maxPatchBytes)) {
        events.push({ type: 'commit', update, commit, forced });
      }
    }
    budget -= announced;
    known.add(newRev);
  }
  return { events, ignored };
}

/** Tags and branches are compared as the commits they lead to; a tag of a blob never fast-forwards. */
async function isFastForward(repository: Repository, oldRev: string, newRev: string): Promise<boolean> {
  const [from, to] = await Promise.all([repository.peelToCommit(oldRev), repository.peelToCommit(newRev)]);
  if (from === null || to === null) return false;
  return repository.isAncestor(from, to);
}

async function tagDetails(repository: Repository, rev: string, target: string | null): Promise<TagDetails> {
  if ((await repository.objectType(rev)) !== 'tag') return { annotated: false, target, tagger: null, message: null };
  const tag = await repository.tag(rev);
  return { annotated: true, target, tagger: tag.tagger, message: tag.message };
}
