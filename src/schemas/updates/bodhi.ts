/**
 * What the update system's schemas share. Bodhi's bodies changed over the years: an update's author
 * is `update.user.name` today and was `update.submitter`; a comment's author is `comment.user.name`
 * and was `comment.author`; an update is known by its alias (FEDORA-2024-1a2b3c) and was by its
 * title (the builds' NVRs). These helpers read either.
 */
import type { JsonSchemaObject, Message } from '../../message/index.js';
import { isObject, list, nameOf, record, text, texts, type JsonObject } from '../body.js';
import { account, arrayOf, integer, nullable, object, string } from '../json-schema.js';
import { packageOfNvr, shorten } from '../words.js';

export const BODHI = 'https://bodhi.fedoraproject.org';

/** The update the message is about: `update`, or the commented update. */
export function updateOf(m: Message): JsonObject | undefined {
  return record(m.body, 'update') ?? record(m.body, 'comment', 'update');
}

export function updateAuthor(m: Message): string | undefined {
  const update = updateOf(m);
  return nameOf(update?.['user']) ?? nameOf(update?.['submitter']);
}

export function commentAuthor(m: Message): string | undefined {
  const comment = record(m.body, 'comment');
  return nameOf(comment?.['user']) ?? nameOf(comment?.['author']);
}

/** The NVR of an overridden build: `override.nvr` today, `override.build` (or its `nvr`) before. */
export function overrideNvr(m: Message): string | undefined {
  const override = record(m.body, 'override');
  return text(override, 'nvr') ?? nameOfBuild(override?.['build']);
}

function nameOfBuild(build: unknown): string | undefined {
  if (typeof build === 'string') return build || undefined;
  return isObject(build) ? text(build, 'nvr') : undefined;
}

/** Accounts mentioned in a comment as `@name` (Bodhi's MENTION_RE: not inside a word or address). */
export function mentions(m: Message): string[] {
  const comment = text(m.body, 'comment', 'text') ?? '';
  return [...comment.matchAll(/(?<!\S)@(\w+)/g)].map((match) => match[1]!);
}

/**
 * The agent, the update's author, the comment's author, the override's submitter, and everyone a
 * comment mentions: the union of what bodhi-messages and fedmsg's metadata report.
 */
export function bodhiUsernames(m: Message): string[] {
  return [
    nameOf(m.body['agent']),
    updateAuthor(m),
    commentAuthor(m),
    nameOf(record(m.body, 'override')?.['submitter']),
    ...mentions(m),
  ].filter((name): name is string => name !== undefined);
}

/** The update's builds' NVRs; for updates that list no builds, the NVRs its title is made of. */
export function updateNvrs(m: Message): string[] {
  const update = updateOf(m);
  const builds = list(update, 'builds').map(nameOfBuild).filter((nvr): nvr is string => nvr !== undefined);
  if (builds.length > 0) return builds;
  const title = text(update, 'title') ?? text(m.body, 'comment', 'update_title') ?? '';
  return title.split(/[ ,]/).filter((nvr) => nvr !== '');
}

export function updatePackages(m: Message): string[] {
  return updateNvrs(m).map(packageOfNvr);
}

/** How a person names the update in a sentence: its title, or its builds, cut at 40 characters. */
export function updateTitle(m: Message): string {
  const update = updateOf(m);
  const title = text(update, 'title') ?? text(m.body, 'comment', 'update_title') ?? updateNvrs(m).join(' ');
  if (title === '') throw new Error('the body names no update');
  return shorten(title);
}

/** The update's page: by alias where the body has one, by title for older updates. */
export function updateUrl(m: Message): string | null {
  const update = updateOf(m);
  const key =
    text(update, 'alias') ?? text(update, 'title') ?? text(m.body, 'comment', 'update_alias') ?? text(m.body, 'comment', 'update_title');
  return key ? `${BODHI}/updates/${key}` : null;
}

/** The NVRs a masher or composer run was asked to push. */
export function requestedNvrs(m: Message): string[] {
  return texts(m.body, 'updates').flatMap((title) => title.split(/[ ,]/)).filter((nvr) => nvr !== '');
}

/** The class path of a bodhi-messages class (its entry-point name is the schema's own name). */
export function bodhiAliases(module: string, className: string): string[] {
  return [`bodhi.messages.schemas.${module}:${className}`];
}

const build: JsonSchemaObject = object({ nvr: string }, ['nvr']);

/** An update as bodies carry it: today's (alias, builds, user…) or yesterday's (title, submitter). */
export const update: JsonSchemaObject = {
  ...object({
    alias: nullable(string),
    title: nullable(string),
    builds: arrayOf({ anyOf: [build, string] }),
    user: object({ name: string }, ['name']),
    submitter: account,
    status: nullable(string),
    request: nullable({ enum: [null, 'testing', 'obsolete', 'unpush', 'revoke', 'stable'] }),
    release: object({ name: string }),
  }),
  anyOf: [{ required: ['alias'] }, { required: ['title'] }],
};

export const comment: JsonSchemaObject = object({
  text: string,
  karma: integer,
  timestamp: { type: ['string', 'number'] },
  update,
  user: object({ name: string }, ['name']),
  author: nullable(string),
  update_title: string,
  update_alias: string,
}, ['text']);
