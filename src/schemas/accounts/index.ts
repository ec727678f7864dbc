/**
 * The account system (FAS, today Noggin): accounts and groups created and edited, members applying,
 * sponsored, removed, and their roles changed. Noggin wraps the event in `{"msg": {...}}` and names
 * users as strings; the older FAS sent the event itself, with users as strings or as
 * `{"username": …}`, groups as `{"name": …}`. Both are read the same way.
 */
import type { JsonSchemaObject, Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { isObject, nameOf, need, present, texts, type JsonObject } from '../body.js';
import { account, body, object, oneShapeOf, string, stringList } from '../json-schema.js';

/** The event: Noggin's `msg`, or the body itself for FAS. */
function event(m: Message): JsonObject {
  const wrapped = m.body['msg'];
  return isObject(wrapped) && !('agent' in m.body) ? wrapped : m.body;
}

const agentOf = (m: Message): string | undefined => nameOf(event(m)['agent']);
const userOf = (m: Message): string | undefined => nameOf(event(m)['user']);
const groupOf = (m: Message): string | undefined => nameOf(event(m)['group']);

const ACCOUNTS = 'https://accounts.fedoraproject.org';

const define = schemaFamily('accounts', {
  app: () => 'FAS',
  agent: (m) => agentOf(m) ?? null,
  usernames: (m) => present(agentOf(m), userOf(m)),
  groups: (m) => present(groupOf(m)),
  packages: () => [],
  url: (m) => {
    const group = groupOf(m);
    if (group) return `${ACCOUNTS}/group/${encodeURIComponent(group)}/`;
    const user = userOf(m);
    return user ? `${ACCOUNTS}/user/${encodeURIComponent(user)}/` : null;
  },
});

interface AccountEvent {
  readonly topic: string;
  readonly description: string;
  /** The event's fields beyond `agent`, all required. */
  readonly about: readonly ('user' | 'group' | 'fields')[];
  readonly optional?: Record<string, JsonSchemaObject>;
  readonly summary: (m: Message) => string;
  readonly example: JsonObject;
  /** Noggin's names for this event, when Noggin sends it. */
  readonly noggin?: { readonly name: string; readonly className: string };
}

function accountSchema(spec: AccountEvent): AppSchema {
  const legacy: Record<string, JsonSchemaObject> = { agent: account, ...spec.optional };
  const current: Record<string, JsonSchemaObject> = { agent: string, ...spec.optional };
  for (const field of spec.about) {
    legacy[field] = field === 'fields' ? stringList : account;
    // noggin-messages: `"contains": {"type": "string"}` (an array with a string in it).
    current[field] = field === 'fields' ? { type: 'array', contains: string } : string;
  }
  const required = ['agent', ...spec.about];
  return define({
    name: `${spec.topic}.v1`,
    aliases: spec.noggin ? [spec.noggin.name, `noggin_messages:${spec.noggin.className}`] : [],
    description: spec.description,
    topics: [spec.topic],
    bodySchema: oneShapeOf(
      body(`${spec.description} (Noggin: the event under "msg")`, { msg: object(current, required) }, ['msg']),
      body(`${spec.description} (FAS)`, legacy, required),
    ),
    example: spec.noggin ? { msg: spec.example } : spec.example,
    summary: spec.summary,
  });
}

const who = (m: Message): string => need(agentOf(m), 'agent');
const whose = (m: Message): string => need(userOf(m), 'user');
const which = (m: Message): string => need(groupOf(m), 'group');
const fieldList = (m: Message): string => texts(event(m), 'fields').join(', ');

/** Every account-system schema. */
export const accountsSchemas: readonly AppSchema[] = [
  accountSchema({
    topic: 'fas.user.create',
    description: 'An account was created.',
    about: ['user'],
    noggin: { name: 'noggin.user.create.v1', className: 'UserCreateV1' },
    example: { agent: 'alice', user: 'alice' },
    summary: (m) => `New FAS account:  '${whose(m)}'  (created by '${who(m)}')`,
  }),
  accountSchema({
    topic: 'fas.user.update',
    description: "Fields of an account's profile were edited.",
    about: ['user', 'fields'],
    noggin: { name: 'noggin.user.update.v1', className: 'UserUpdateV1' },
    example: { agent: 'alice', user: 'alice', fields: ['timezone', 'ircnick'] },
    summary: (m) => `${who(m)} edited the following fields of ${whose(m)}'s FAS profile:  ${fieldList(m)}`,
  }),
  accountSchema({
    topic: 'fas.group.create',
    description: 'A group was created.',
    about: ['group'],
    example: { agent: 'alice', group: 'python-sig' },
    summary: (m) => `${who(m)} created new FAS group ${which(m)}`,
  }),
  accountSchema({
    topic: 'fas.group.update',
    description: 'Fields of a group were edited.',
    about: ['group', 'fields'],
    example: { agent: 'alice', group: 'python-sig', fields: ['display_name'] },
    summary: (m) => `${who(m)} edited the following fields of the ${which(m)} FAS group:  ${fieldList(m)}`,
  }),
  accountSchema({
    topic: 'fas.group.member.apply',
    description: 'A user applied for membership of a group.',
    about: ['user', 'group'],
    example: { agent: 'bob', user: 'bob', group: 'packager' },
    summary: (m) => `${who(m)} applied for ${whose(m)}'s membership in the ${which(m)} group`,
  }),
  accountSchema({
    topic: 'fas.group.member.sponsor',
    description: 'A sponsor added a user to a group (sponsored their membership).',
    about: ['user', 'group'],
    noggin: { name: 'noggin.group.member.sponsor.v1', className: 'MemberSponsorV1' },
    example: { agent: 'alice', user: 'bob', group: 'packager' },
    summary: (m) => `${who(m)} sponsored ${whose(m)}'s membership in the ${which(m)} group`,
  }),
  accountSchema({
    topic: 'fas.group.member.remove',
    description: 'A user was removed from a group.',
    about: ['user', 'group'],
    example: { agent: 'alice', user: 'bob', group: 'packager' },
    summary: (m) => `${who(m)} removed ${whose(m)} from the ${which(m)} group`,
  }),
  accountSchema({
    topic: 'fas.role.update',
    description: "A member's role in a group changed (user, sponsor, administrator).",
    about: ['user', 'group'],
    optional: { status: { ...string, description: 'the new role' } },
    example: { agent: 'alice', user: 'bob', group: 'packager', status: 'sponsor' },
    summary: (m) => {
      const role = nameOf(event(m)['status']);
      return `${who(m)} changed ${whose(m)}'s role in the ${which(m)} group${role ? ` to ${role}` : ''}`;
    },
  }),
];
