/**
 * Bodhi's update events: requests (testing, stable, obsolete, revoke, unpush), comments, pushes
 * completed, edits, ejections from a compose, karma thresholds, testing requirements met, errata,
 * and "ready for testing" (three coexisting versions). Names are bodhi-messages' entry points.
 */
import { Severity, type JsonSchemaObject, type Message } from '../../message/index.js';
import type { AppSchema, AppSchemaDefinition } from '../app-schema.js';
import { list, need, present, text } from '../body.js';
import { arrayOf, body, integer, object, string, stringList } from '../json-schema.js';
import { pastTense, shorten } from '../words.js';
import {
  BODHI,
  bodhiAliases,
  comment,
  commentAuthor,
  update,
  updateAuthor,
  updateNvrs,
  updateOf,
  updateTitle,
  updateUrl,
} from './bodhi.js';

type Define = (definition: AppSchemaDefinition) => AppSchema;

const exampleUpdate = {
  alias: 'FEDORA-2024-3f5a1c9e2b',
  title: 'python-httpx-0.27.0-1.fc40',
  builds: [{ nvr: 'python-httpx-0.27.0-1.fc40' }],
  user: { name: 'alice' },
  status: 'testing',
  request: 'stable',
  release: { name: 'F40' },
};

const who = (m: Message): string => need(text(m.body, 'agent'), 'agent');
const author = (m: Message): string => need(updateAuthor(m), 'update author');

function requestSchema(define: Define, request: 'testing' | 'stable' | 'obsolete' | 'revoke' | 'unpush'): AppSchema {
  const submitted = request === 'testing' || request === 'stable';
  const className = `UpdateRequest${request[0]!.toUpperCase()}${request.slice(1)}V1`;
  return define({
    name: `bodhi.update.request.${request}.v1`,
    aliases: bodhiAliases('update', className),
    description: submitted ? `An update was submitted to ${request}.` : `An update was requested to be ${pastTense(request)}.`,
    topics: [`bodhi.update.request.${request}`],
    bodySchema: body(`A user changed the request of an update to "${request}".`, { agent: string, update }, ['agent', 'update']),
    example: { agent: 'alice', update: { ...exampleUpdate, request } },
    summary: (m) => (submitted ? `${who(m)} submitted ${updateTitle(m)} to ${request}` : `${who(m)} ${pastTense(request)} ${updateTitle(m)}`),
  });
}

function completeSchema(define: Define, repository: 'testing' | 'stable'): AppSchema {
  return define({
    name: `bodhi.update.complete.${repository}.v1`,
    aliases: bodhiAliases('update', `UpdateComplete${repository === 'testing' ? 'Testing' : 'Stable'}V1`),
    description: `An update was pushed to the ${repository} repository.`,
    topics: [`bodhi.update.complete.${repository}`],
    bodySchema: body(`An update is available in the ${repository} repository.`, { agent: string, update }, ['update']),
    example: { agent: 'bodhi', update: { ...exampleUpdate, status: repository, request: null } },
    summary: (m) => `${author(m)}'s ${updateTitle(m)} bodhi update completed push to ${text(updateOf(m), 'status') ?? repository}`,
  });
}

function editSchema(define: Define, version: 1 | 2): AppSchema {
  const properties: Record<string, JsonSchemaObject> = { agent: string, update, new_bugs: arrayOf(integer) };
  const required = ['agent', 'update'];
  if (version === 2) {
    properties['new_builds'] = stringList;
    properties['removed_builds'] = stringList;
    required.push('new_bugs', 'new_builds', 'removed_builds');
  }
  return define({
    name: `bodhi.update.edit.v${version}`,
    aliases: bodhiAliases('update', `UpdateEditV${version}`),
    description: version === 1 ? 'An update was edited.' : 'An update was edited; says which bugs and builds were added or removed.',
    topics: ['bodhi.update.edit'],
    bodySchema: body('A user edited an update.', properties, required),
    example:
      version === 1
        ? { agent: 'alice', update: exampleUpdate, new_bugs: [2291234] }
        : {
            agent: 'alice',
            update: exampleUpdate,
            new_bugs: [2291234],
            new_builds: ['python-httpx-0.27.0-1.fc40'],
            removed_builds: ['python-httpx-0.26.0-1.fc40'],
          },
    summary: (m) => {
      const added = list(m.body, 'new_builds').length;
      const removed = list(m.body, 'removed_builds').length;
      const changes = version === 2 && added + removed > 0 ? ` (${added} build(s) added, ${removed} removed)` : '';
      return `${who(m)} edited ${updateTitle(m)}${changes}`;
    },
  });
}

const artifactBuild = object(
  { type: string, id: integer, task_id: { type: ['integer', 'null'] }, nvr: string, component: string, issuer: string, scratch: { type: 'boolean' } },
  ['nvr'],
);
const contact = object({ name: string, team: string, docs: string, email: string }, ['name']);

/** "Ready for testing": v1 (no update in the body), v2 (with it), v3 (just what CI schedulers need). */
function readyForTestingSchema(define: Define, version: 1 | 2 | 3): AppSchema {
  const artifact = object({ id: string, type: string, builds: arrayOf(artifactBuild), repository: string, release: string }, ['builds']);
  const properties: Record<string, JsonSchemaObject> =
    version === 3
      ? { agent: string, artifact, update, 're-trigger': { type: 'boolean' } }
      : { agent: string, artifact, contact, generated_at: string, version: string };
  const required = version === 3 ? ['agent', 'artifact', 'update'] : ['agent', 'artifact', 'contact'];
  if (version === 2) {
    properties['update'] = update;
    required.push('update');
  }
  const builds = [
    { type: 'koji-build', id: 2487900, task_id: 119880001, nvr: 'python-httpx-0.27.0-1.fc40', component: 'python-httpx', issuer: 'alice', scratch: false },
  ];
  const exampleContact = { name: 'Bodhi', team: 'Fedora CI', docs: 'https://docs.fedoraproject.org/en-US/ci/', email: 'admin@fp.o' };
  const fromArtifact = (m: Message): string[] => present(...list(m.body, 'artifact', 'builds').map((item) => text(item, 'nvr')));
  return define({
    name: `bodhi.update.status.testing.v${version}`,
    aliases: bodhiAliases('update', `UpdateReadyForTestingV${version}`),
    description: 'An update is ready to be tested: created, its builds changed, or tests re-triggered.',
    topics: ['bodhi.update.status.testing.koji-build-group.build.complete'],
    severity: Severity.DEBUG,
    bodySchema: body('The builds of an update are ready for testing.', properties, required),
    example:
      version === 3
        ? { agent: 'bodhi', artifact: { type: 'koji-build-group', builds }, update: exampleUpdate, 're-trigger': false }
        : {
            agent: 'bodhi',
            artifact: { id: exampleUpdate.alias, type: 'koji-build-group', builds, repository: `${BODHI}/updates/${exampleUpdate.alias}`, release: 'f40' },
            contact: exampleContact,
            generated_at: '2024-06-27T18:00:00Z',
            version: '0.2.2',
            ...(version === 2 ? { update: exampleUpdate } : {}),
          },
    summary: (m) => {
      const owner = version === 1 ? need(text(m.body, 'contact', 'name'), 'contact') : author(m);
      const nvrs = version === 3 ? updateNvrs(m) : fromArtifact(m);
      return `${owner}'s ${shorten(nvrs.join(' '))} bodhi update is ready for testing`;
    },
    url: (m) => {
      const id = text(m.body, 'artifact', 'id');
      return version !== 3 && id ? `${BODHI}/updates/${id}` : updateUrl(m);
    },
    ...(version === 3
      ? {}
      : {
          usernames: (m: Message) => present(text(m.body, 'agent'), ...list(m.body, 'artifact', 'builds').map((item) => text(item, 'issuer'))),
          packages: (m: Message) => present(...list(m.body, 'artifact', 'builds').map((item) => text(item, 'component'))),
        }),
  });
}

/** Every update-event schema, defined with the update system's defaults. */
export function updateSchemas(define: Define): AppSchema[] {
  return [
    ...(['testing', 'stable', 'obsolete', 'revoke', 'unpush'] as const).map((request) => requestSchema(define, request)),
    define({
      name: 'bodhi.update.comment.v1',
      aliases: bodhiAliases('update', 'UpdateCommentV1'),
      description: 'Someone commented on an update, maybe with karma (+1/-1).',
      topics: ['bodhi.update.comment'],
      bodySchema: body('A comment was added to an update.', { agent: string, comment }, ['comment']),
      example: {
        agent: 'bob',
        comment: { text: 'Works for me. /cc @alice', karma: 1, timestamp: '2024-06-28 09:12:44', update: exampleUpdate, user: { name: 'bob' } },
      },
      summary: (m) =>
        `${need(commentAuthor(m), 'comment author')} commented on bodhi update ${updateTitle(m)} (karma: ${text(m.body, 'comment', 'karma') ?? 0})`,
      agent: (m) => commentAuthor(m) ?? null,
    }),
    completeSchema(define, 'testing'),
    completeSchema(define, 'stable'),
    editSchema(define, 1),
    editSchema(define, 2),
    define({
      name: 'bodhi.update.eject.v1',
      aliases: bodhiAliases('update', 'UpdateEjectV1'),
      description: 'An update was ejected from a compose (it could not be pushed).',
      topics: ['bodhi.update.eject'],
      bodySchema: body('An update was ejected from a compose.', { reason: string, repo: string, update }, ['reason', 'repo', 'update']),
      example: { reason: 'Cannot find relevant tag for python-httpx-0.27.0-1.fc40', repo: 'f40-updates', update: exampleUpdate },
      summary: (m) =>
        `${author(m)}'s ${updateTitle(m)} bodhi update was ejected from the ${text(m.body, 'repo')} mash.  Reason: "${text(m.body, 'reason')}"`,
    }),
    define({
      name: 'bodhi.update.karma.threshold.v1',
      aliases: bodhiAliases('update', 'UpdateKarmaThresholdV1'),
      description: "An update reached its stable or unstable karma threshold.",
      topics: ['bodhi.update.karma.threshold.reach', 'bodhi.update.karma.threshold'],
      bodySchema: body('An update reached a karma threshold.', { status: { enum: ['stable', 'unstable'] }, update }, ['status', 'update']),
      example: { status: 'stable', update: exampleUpdate },
      summary: (m) => `${updateTitle(m)} reached the ${text(m.body, 'status')} karma threshold`,
    }),
    define({
      name: 'bodhi.update.requirements_met.stable.v1',
      aliases: bodhiAliases('update', 'UpdateRequirementsMetStableV1'),
      description: 'An update met its requirements (time in testing, tests) for going stable.',
      topics: ['bodhi.update.requirements_met.stable'],
      bodySchema: body('An update met its stable requirements.', { update }, ['update']),
      example: { update: exampleUpdate },
      summary: (m) => `${updateTitle(m)} reached the stable testing threshold`,
    }),
    define({
      name: 'bodhi.errata.publish.v1',
      aliases: bodhiAliases('errata', 'ErrataPublishV1'),
      description: 'The announcement (erratum) of an update pushed to stable was published.',
      topics: ['bodhi.errata.publish'],
      bodySchema: body('An erratum was published.', { subject: string, body: string, update }, ['subject', 'body', 'update']),
      example: { subject: '[SECURITY] Fedora 40 Update: python-httpx-0.27.0-1.fc40', body: 'Fedora Update Notification\n…', update: exampleUpdate },
      summary: (m) => need(text(m.body, 'subject'), 'subject'),
      agent: (m) => updateAuthor(m) ?? null,
    }),
    readyForTestingSchema(define, 3),
    readyForTestingSchema(define, 2),
    readyForTestingSchema(define, 1),
  ];
}
