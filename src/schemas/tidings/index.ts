/**
 * Tidings' own messages: the management events of the operators' view (src/manage/events.ts owns
 * their topics and body schemas), registered like any application's so that they are validated,
 * archived with facts and routable by the notification server to operators — a rule on the topic
 * pattern `tidings.manage.alert.#` pages whoever wants it.
 */
import { MANAGEMENT_EVENT_SCHEMAS, type ManagementTopicName } from '../../manage/events.js';
import { Severity, type Message, type SeverityLevel } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { text } from '../body.js';

const define = schemaFamily('tidings', {
  app: () => 'tidings',
  url: () => null,
  usernames: () => [],
  packages: () => [],
});

const field = (m: Message, key: string): string => text(m.body, key) ?? '?';

type Described = { summary: (m: Message) => string; example: Record<string, unknown>; severity?: SeverityLevel; agent?: (m: Message) => string | null };

const connection = { connection: '127.0.0.1:51234 -> 127.0.0.1:5672', service: 'koji-hub', host: 'koji01.example.org', pid: 4242, user: 'koji', peer: '127.0.0.1:51234' };
const alert = {
  id: 'no-progress:tidings.archive',
  kind: 'no-progress',
  subject_type: 'queue',
  subject: 'tidings.archive',
  severity: 'critical',
  message: 'tidings.archive has 1200 messages waiting and 1 consumer, but nothing was delivered or acknowledged for 12 minutes: restart its consumer',
  value: 12,
  threshold: 10,
  unit: 'minutes',
  since: 1765112400000,
};
const action = { id: 17, actor: 'opsbot', role: 'operator', action: 'dead-letters.retry', target: 'tidings.archive', outcome: 'done', affected: 3, detail: { selection: { all: true } }, error: null };
const actor = (m: Message): string | null => text(m.body, 'actor') ?? null;

const DESCRIBED: Record<ManagementTopicName, Described> = {
  'tidings.manage.connection.open': { summary: (m) => `${field(m, 'service')} on ${field(m, 'host')} connected to the bus (${field(m, 'connection')})`, example: connection },
  'tidings.manage.connection.close': { summary: (m) => `${field(m, 'service')} on ${field(m, 'host')} disconnected from the bus (${field(m, 'connection')})`, example: connection },
  'tidings.manage.connection.refused': {
    summary: (m) => `a client at ${field(m, 'peer')} was refused a connection to the bus: ${field(m, 'reason')}`,
    example: { peer: '203.0.113.7:40112', reason: 'a client from another machine needs a token: set TIDINGS_TOKEN' },
    severity: Severity.WARNING as SeverityLevel,
  },
  'tidings.manage.queue.declare': { summary: (m) => `queue ${field(m, 'queue')} was declared`, example: { queue: 'koji-builds', durable: true, exclusive: false, auto_delete: false, dead_letter_queue: 'koji-builds.dlq' } },
  'tidings.manage.queue.delete': { summary: (m) => `queue ${field(m, 'queue')} was deleted`, example: { queue: 'koji-builds' } },
  'tidings.manage.exchange.declare': { summary: (m) => `exchange ${field(m, 'exchange')} was declared`, example: { exchange: 'amq.topic', type: 'topic', durable: true } },
  'tidings.manage.exchange.delete': { summary: (m) => `exchange ${field(m, 'exchange')} was deleted`, example: { exchange: 'old.topic' } },
  'tidings.manage.binding.create': { summary: (m) => `queue ${field(m, 'queue')} now takes ${field(m, 'pattern')} from ${field(m, 'exchange')}`, example: { exchange: 'amq.topic', queue: 'koji-builds', pattern: 'org.fedoraproject.prod.buildsys.#' } },
  'tidings.manage.binding.delete': { summary: (m) => `queue ${field(m, 'queue')} no longer takes ${field(m, 'pattern')} from ${field(m, 'exchange')}`, example: { exchange: 'amq.topic', queue: 'koji-builds', pattern: 'org.fedoraproject.prod.buildsys.#' } },
  'tidings.manage.consumer.subscribe': {
    summary: (m) => `${text(m.body, 'service') ?? 'a consumer'} started consuming ${field(m, 'queue')}`,
    example: { queue: 'koji-builds', tag: 'ctag-7', connection: connection.connection, channel: `${connection.connection} (1)`, service: 'koji-hub', prefetch: 10 },
  },
  'tidings.manage.consumer.cancel': { summary: (m) => `consumer ${field(m, 'tag')} stopped consuming ${field(m, 'queue')}`, example: { queue: 'koji-builds', tag: 'ctag-7', connection: connection.connection, channel: `${connection.connection} (1)` } },
  'tidings.manage.alert.raise': { summary: (m) => `${field(m, 'severity').toUpperCase()}: ${field(m, 'message')}`, example: alert, severity: Severity.WARNING as SeverityLevel },
  'tidings.manage.alert.clear': { summary: (m) => `cleared: ${field(m, 'message')}`, example: { ...alert, value: 0, message: 'tidings.archive is making progress again' } },
  'tidings.manage.action.done': { summary: (m) => `${field(m, 'actor')} (${field(m, 'role')}) did ${field(m, 'action')} on ${field(m, 'target')}`, example: action, agent: actor },
  'tidings.manage.action.refused': {
    summary: (m) => `${field(m, 'actor')} (${field(m, 'role')}) was refused ${field(m, 'action')} on ${field(m, 'target')}`,
    example: { ...action, outcome: 'refused', affected: 0, role: 'reader', error: 'dead-letters.retry needs the operator role' },
    severity: Severity.WARNING as SeverityLevel,
    agent: actor,
  },
  'tidings.manage.action.failed': {
    summary: (m) => `${field(m, 'action')} on ${field(m, 'target')} by ${field(m, 'actor')} failed`,
    example: { ...action, outcome: 'failed', affected: 0, error: 'the management API did not answer' },
    severity: Severity.WARNING as SeverityLevel,
    agent: actor,
  },
};

/** The management events' schemas, `<topic>.v1` each. */
export const tidingsSchemas: readonly AppSchema[] = (Object.keys(DESCRIBED) as ManagementTopicName[]).map((topic) => {
  const { $schema: _draft, $id: _id, title: _title, ...bodySchema } = MANAGEMENT_EVENT_SCHEMAS[topic] as Record<string, unknown>;
  const described = DESCRIBED[topic];
  return define({
    name: `${topic}.v1`,
    description: String(bodySchema['description'] ?? topic),
    topics: [topic],
    bodySchema,
    example: described.example as never,
    summary: described.summary,
    ...(described.severity !== undefined ? { severity: described.severity } : {}),
    ...(described.agent ? { agent: described.agent } : {}),
  });
});
