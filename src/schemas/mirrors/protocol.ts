/**
 * The triggered-mirroring protocol, four messages and a failure:
 *   mirror.master.out_of_sync  the master tree is being written: tier-1 mirrors hold;
 *   mirror.master.in_sync      the master is consistent again: tier-1 mirrors pull now;
 *   mirror.sync.start          a mirror started syncing: its downstream mirrors hold;
 *   mirror.sync.finish         it finished: its downstream mirrors pull from it now;
 *   mirror.sync.failed         it gave up this time (it retries): downstream keep what they have.
 * Each names the module (the tree), a serial that only grows (the master's, carried down the
 * tiers), and the subtrees likely to have changed — "directories from this point downward" — so a
 * mirror syncs only those. Paths are relative to the module's root, without `..`.
 */
import type { Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { at, need, text, texts } from '../body.js';
import { arrayOf, body, integer, nullable, number, object, string, stringList } from '../json-schema.js';

const define = schemaFamily('mirror', {
  app: () => 'mirror',
  url: () => null,
  usernames: () => [],
  packages: () => [],
});

const serial: Record<string, unknown> = { type: 'integer', minimum: 1, description: 'grows with every change of the master; carried unchanged down the tiers' };
/** The serial before this one: a mirror that does not have it missed a change and syncs everything. */
const previous: Record<string, unknown> = { type: 'integer', minimum: 0, description: 'the serial served before this change (0: none)' };
const paths = { ...stringList, maxItems: 1000, description: 'subtrees likely to have changed, relative to the module root ("" or "." is all of it)' };
const stages = object({ content: number, metadata: number, deletions: number });
const hop = object({ mirror: string, tier: integer, started: string, finished: nullable(string) }, ['mirror', 'tier']);

const moduleOf = (m: Message): string => need(text(m.body, 'module'), 'module');
const changed = (m: Message): string => {
  const subtrees = texts(m.body, 'paths');
  if (subtrees.length === 0) return 'everything';
  return subtrees.length <= 3 ? subtrees.map((p) => (p === '' || p === '.' ? '/' : p)).join(', ') : `${subtrees.length} subtrees`;
};

const masterOutOfSync = define({
  name: 'mirror.master.out_of_sync.v1',
  description: 'The master tree is being written: mirrors syncing from it now would copy a half-written tree. Tier-1 mirrors hold.',
  topics: ['mirror.master.out_of_sync'],
  bodySchema: body('The master tree went out of sync.', { module: string, serial, paths, host: string, time: string }, ['module', 'serial', 'paths']),
  example: { module: 'fedora', serial: 2026120601, paths: ['linux/updates/41/Everything/x86_64'], host: 'master.example.org', time: '2026-12-06T14:00:00Z' },
  agent: (m) => text(m.body, 'host') ?? null,
  summary: (m) => `the master of ${moduleOf(m)} is out of sync (serial ${String(at(m.body, 'serial'))}): ${changed(m)} changing`,
});

const masterInSync = define({
  name: 'mirror.master.in_sync.v1',
  description: 'The master tree is consistent again: tier-1 mirrors pull the changed subtrees now.',
  topics: ['mirror.master.in_sync'],
  bodySchema: body('The master tree is back in sync.', { module: string, serial, previous, paths, host: string, time: string, manifest: string }, ['module', 'serial', 'paths']),
  example: { module: 'fedora', serial: 2026120601, previous: 2026120600, paths: ['linux/updates/41/Everything/x86_64'], host: 'master.example.org', time: '2026-12-06T14:03:10Z', manifest: '.tidings/manifest.jsonl' },
  agent: (m) => text(m.body, 'host') ?? null,
  summary: (m) => `the master of ${moduleOf(m)} is in sync at serial ${String(at(m.body, 'serial'))}: ${changed(m)} changed`,
});

const syncBody = (description: string, extra: Record<string, Record<string, unknown>>, required: readonly string[] = []) =>
  body(
    description,
    { mirror: string, tier: { type: 'integer', minimum: 1 }, upstream: string, module: string, serial, previous, paths, hops: arrayOf(hop), trigger: string, ...extra },
    ['mirror', 'tier', 'upstream', 'module', 'serial', ...required],
  );
const who = (m: Message): string => `${need(text(m.body, 'mirror'), 'mirror')} (tier ${String(at(m.body, 'tier'))})`;

const syncStart = define({
  name: 'mirror.sync.start.v1',
  description: 'A mirror started syncing from its upstream: mirrors syncing from it hold.',
  topics: ['mirror.sync.start'],
  bodySchema: syncBody('A mirror started a sync.', {}),
  example: { mirror: 'mirror1.example.net', tier: 1, upstream: 'master', module: 'fedora', serial: 2026120601, paths: ['linux/updates/41'], hops: [{ mirror: 'master', tier: 0, started: '2026-12-06T14:00:00Z', finished: '2026-12-06T14:03:10Z' }], trigger: 'message' },
  agent: (m) => text(m.body, 'mirror') ?? null,
  summary: (m) => `${who(m)} started syncing ${moduleOf(m)} serial ${String(at(m.body, 'serial'))} from ${need(text(m.body, 'upstream'), 'upstream')}: ${changed(m)}`,
});

const syncFinish = define({
  name: 'mirror.sync.finish.v1',
  description: 'A mirror finished syncing: it serves the serial now, and mirrors syncing from it pull now.',
  topics: ['mirror.sync.finish'],
  bodySchema: syncBody('A mirror finished a sync.', { seconds: number, stages, bytes: integer, files: integer, deleted: integer }, ['seconds']),
  example: {
    mirror: 'mirror1.example.net', tier: 1, upstream: 'master', module: 'fedora', serial: 2026120601, paths: ['linux/updates/41'], trigger: 'message',
    hops: [{ mirror: 'master', tier: 0, started: '2026-12-06T14:00:00Z', finished: '2026-12-06T14:03:10Z' }, { mirror: 'mirror1.example.net', tier: 1, started: '2026-12-06T14:03:11Z', finished: '2026-12-06T14:04:02Z' }],
    seconds: 51.2, stages: { content: 48.1, metadata: 2.6, deletions: 0.5 }, bytes: 734003200, files: 412, deleted: 9,
  },
  agent: (m) => text(m.body, 'mirror') ?? null,
  summary: (m) => `${who(m)} synced ${moduleOf(m)} to serial ${String(at(m.body, 'serial'))} in ${Number(at(m.body, 'seconds')).toFixed(1)} s`,
});

const syncFailed = define({
  name: 'mirror.sync.failed.v1',
  description: 'A mirror could not finish a sync; it keeps serving what it had and tries again.',
  topics: ['mirror.sync.failed'],
  bodySchema: syncBody('A mirror sync failed.', { error: string, stage: string, seconds: number, retry_in: number }, ['error']),
  example: { mirror: 'mirror1.example.net', tier: 1, upstream: 'master', module: 'fedora', serial: 2026120601, paths: ['linux/updates/41'], hops: [], trigger: 'message', error: 'rsync exited 23: some files could not be transferred', stage: 'content', seconds: 12.5, retry_in: 60 },
  severity: 40,
  agent: (m) => text(m.body, 'mirror') ?? null,
  summary: (m) => `${who(m)} failed to sync ${moduleOf(m)} serial ${String(at(m.body, 'serial'))}: ${need(text(m.body, 'error'), 'error')}`,
});

/** The triggered-mirroring protocol's schemas. */
export const mirrorProtocolSchemas: readonly AppSchema[] = [masterOutOfSync, masterInSync, syncStart, syncFinish, syncFailed];
