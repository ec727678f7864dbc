/**
 * Push events as messages. A commit is announced on `git.receive` with the body of Fedora's git hook
 * (`{agent, commit: {name, email, username, summary, message, stats, rev, path, repo, namespace,
 * branch, patch, date, url}}`, fedora-messaging schema `fedora_messaging_git_hook.commit.v1`), plus
 * what that body lacks: author and committer with their dates, parents, the ref, `forced`, and
 * whether the patch was cut. Branch and tag creations and deletions, forced updates and the summary
 * of commits left out have their own topics.
 */
import { FactHeaderPrefix, MAX_TOPIC_BYTES, Severity, type Body, type MessageInit, type SeverityLevel } from '../message/index.js';
import { PATCH_TRUNCATED_MARKER, subjectOf, type Person } from './git-output.js';
import type { PushEvent } from './push-events.js';
import type { RefUpdate } from './ref-updates.js';
import type { CommitDetails } from './repository.js';
import { fillUrlTemplate, fullName, type RepositoryIdentity } from './repository-name.js';

/** Topic (before the configured prefix) and schema name of each kind of message. */
export const GIT_MESSAGES = {
  commit: { topic: 'git.receive', schema: 'fedora_messaging_git_hook.commit.v1' },
  branchCreated: { topic: 'git.branch.creation', schema: 'git.branch.creation.v1' },
  branchDeleted: { topic: 'git.branch.deletion', schema: 'git.branch.deletion.v1' },
  branchForced: { topic: 'git.branch.forced', schema: 'git.branch.forced.v1' },
  tagCreated: { topic: 'git.tag.creation', schema: 'git.tag.creation.v1' },
  tagDeleted: { topic: 'git.tag.deletion', schema: 'git.tag.deletion.v1' },
  commitsOmitted: { topic: 'git.receive.summary', schema: 'git.receive.summary.v1' },
} as const;

export interface MessageContext {
  /** Who pushed: $GL_USER, $REMOTE_USER or $USER. */
  readonly agent: string;
  readonly repository: RepositoryIdentity;
  /** A link template for commits (`{repository}`, `{repo}`, `{namespace}`, `{rev}`, `{branch}`); null: no link. */
  readonly commitUrl: string | null;
  /** The largest body the bus takes; bodies are cut down to fit. */
  readonly maxBodyBytes: number;
  /** Files listed per commit (totals always count them all). */
  readonly maxFiles?: number;
}

const DEFAULT_MAX_FILES = 1000;
const MAX_MESSAGE_CHARS = 64 * 1024;
const MESSAGE_TRUNCATED_MARKER = '\n[… message truncated by tidings]';
/** Room left in the size limit for what JSON escaping and later additions may cost. */
const BODY_MARGIN_BYTES = 1024;

export function messagesForEvents(events: readonly PushEvent[], context: MessageContext): MessageInit[] {
  return events.map((event) => messageForEvent(event, context));
}

export function messageForEvent(event: PushEvent, context: MessageContext): MessageInit {
  switch (event.type) {
    case 'commit':
      return init(GIT_MESSAGES.commit, fitCommitBody(commitBody(event.commit, event.update, event.forced, context), context.maxBodyBytes), context);
    case 'created': {
      const { update, tag } = event;
      if (update.kind === 'tag') {
        return init(GIT_MESSAGES.tagCreated, {
          ...refBody(update, context),
          rev: update.newRev,
          old_rev: update.oldRev,
          target: tag?.target ?? null,
          annotated: tag?.annotated ?? false,
          tagger: tag?.tagger ?? null,
          message: tag?.message === null || tag?.message === undefined ? null : cut(tag.message, MAX_MESSAGE_CHARS),
          new_commits: event.newCommits,
        }, context);
      }
      return init(GIT_MESSAGES.branchCreated, { ...refBody(update, context), rev: update.newRev, new_commits: event.newCommits }, context);
    }
    case 'deleted': {
      const kind = event.update.kind === 'tag' ? GIT_MESSAGES.tagDeleted : GIT_MESSAGES.branchDeleted;
      return init(kind, { ...refBody(event.update, context), rev: event.update.oldRev }, context);
    }
    case 'forced':
      return init(
        GIT_MESSAGES.branchForced,
        {
          ...refBody(event.update, context),
          rev: event.update.newRev,
          old_rev: event.update.oldRev,
          new_commits: event.newCommits,
          dropped_commits: event.droppedCommits,
        },
        context,
        Severity.WARNING,
      );
    case 'omitted':
      return init(GIT_MESSAGES.commitsOmitted, {
        ...refBody(event.update, context),
        rev: event.update.newRev,
        old_rev: event.update.oldRev,
        forced: event.forced,
        total_commits: event.totalCommits,
        announced_commits: event.announcedCommits,
        omitted_commits: event.totalCommits - event.announcedCommits,
      }, context);
  }
}

function init(kind: { topic: string; schema: string }, body: Body, context: MessageContext, severity?: SeverityLevel): MessageInit {
  return { topic: kind.topic, schema: kind.schema, body, headers: factHeaders(context), ...(severity !== undefined ? { severity } : {}) };
}

/**
 * The pusher as a user fact, and the repository as a package for dist-git's `rpms` namespace,
 * declared in the headers so consumers can route on them whatever schema they know.
 */
function factHeaders(context: MessageContext): Record<string, true> {
  const headers: Record<string, true> = {};
  const declare = (name: string): void => {
    if (Buffer.byteLength(name, 'utf8') <= MAX_TOPIC_BYTES) headers[name] = true;
  };
  if (context.agent) declare(FactHeaderPrefix.usernames + context.agent);
  if (context.repository.namespace === 'rpms') declare(FactHeaderPrefix.packages + context.repository.repo);
  return headers;
}

/** What every branch and tag message says: who, where, which ref. */
function refBody(update: RefUpdate, context: MessageContext): Body {
  const { repository } = context;
  return {
    agent: context.agent,
    repository: fullName(repository),
    repo: repository.repo,
    namespace: repository.namespace,
    path: repository.path,
    ref: update.ref,
    [update.kind === 'tag' ? 'tag' : 'branch']: update.name,
  };
}

function personBody(person: Person): Body {
  return { name: person.name, email: person.email, date: person.date };
}

function commitBody(commit: CommitDetails, update: RefUpdate, forced: boolean, context: MessageContext): Body {
  const { repository } = context;
  const maxFiles = context.maxFiles ?? DEFAULT_MAX_FILES;
  const total = { additions: 0, deletions: 0, lines: 0, files: commit.files.length };
  const files: Record<string, Body> = {};
  let listed = 0;
  for (const file of commit.files) {
    total.additions += file.additions;
    total.deletions += file.deletions;
    total.lines += file.additions + file.deletions;
    if (listed >= maxFiles) continue;
    files[file.path] = {
      additions: file.additions,
      deletions: file.deletions,
      lines: file.additions + file.deletions,
      ...(file.binary ? { binary: true } : {}),
    };
    listed++;
  }
  const url = context.commitUrl
    ? fillUrlTemplate(context.commitUrl, {
        repository: fullName(repository),
        repo: repository.repo,
        namespace: repository.namespace ?? '',
        rev: commit.rev,
        branch: update.name,
      })
    : null;
  return {
    agent: context.agent,
    forced,
    commit: {
      name: commit.author.name,
      email: commit.author.email,
      username: context.agent,
      summary: subjectOf(commit.message),
      message: cut(commit.message, MAX_MESSAGE_CHARS),
      stats: { files, total, ...(commit.files.length > listed ? { files_omitted: commit.files.length - listed } : {}) },
      rev: commit.rev,
      parents: commit.parents,
      path: repository.path,
      repo: repository.repo,
      namespace: repository.namespace,
      branch: update.name,
      ref: update.ref,
      patch: commit.patch.text,
      patch_truncated: commit.patch.truncated,
      date: commit.committer.date,
      url,
      author: personBody(commit.author),
      committer: personBody(commit.committer),
    },
  };
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars) + MESSAGE_TRUNCATED_MARKER;
}

function bodyBytes(body: Body): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}

/**
 * A commit body within the bus's size limit: the patch goes first, then files beyond the first 100,
 * then the message beyond 4 KiB. Totals keep counting everything.
 */
function fitCommitBody(body: Body, maxBodyBytes: number): Body {
  const limit = Math.max(0, maxBodyBytes - BODY_MARGIN_BYTES);
  if (bodyBytes(body) <= limit) return body;
  const commit = { ...(body['commit'] as Body) };
  const fitted = (): Body => ({ ...body, commit });
  commit['patch'] = `${PATCH_TRUNCATED_MARKER}\n`;
  commit['patch_truncated'] = true;
  if (bodyBytes(fitted()) <= limit) return fitted();
  const stats = commit['stats'] as { files: Record<string, Body>; total: Body; files_omitted?: number };
  const kept = Object.entries(stats.files).slice(0, 100);
  const omitted = (stats.total['files'] as number) - kept.length;
  commit['stats'] = { files: Object.fromEntries(kept), total: stats.total, ...(omitted > 0 ? { files_omitted: omitted } : {}) };
  if (bodyBytes(fitted()) <= limit) return fitted();
  commit['message'] = cut(commit['message'] as string, 4096);
  return fitted();
}
