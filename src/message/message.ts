/**
 * The event model: a message is `{id, topic, headers, body}`. Headers use fedora-messaging's names
 * so that the same object maps one-to-one onto an AMQP message (see shared/WIRE.md).
 */

export const Severity = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 } as const;
export type SeverityLevel = (typeof Severity)[keyof typeof Severity];

/** The header names of the wire format. */
export const Header = {
  schema: 'fedora_messaging_schema',
  schemaPackage: 'fedora_messaging_schema_package',
  sentAt: 'sent-at',
  severity: 'fedora_messaging_severity',
  priority: 'priority',
} as const;

/** Boolean "routing fact" headers, one per value: `fedora_messaging_user_alice: true`. */
export const FactHeaderPrefix = {
  usernames: 'fedora_messaging_user_',
  groups: 'fedora_messaging_group_',
  packages: 'fedora_messaging_rpm_',
  containers: 'fedora_messaging_container_',
  modules: 'fedora_messaging_module_',
  flatpaks: 'fedora_messaging_flatpak_',
} as const;
export type FactName = keyof typeof FactHeaderPrefix;

export const BASE_SCHEMA_NAME = 'base.message';

/** The values an AMQP field table can carry that we use; nested tables are kept as-is. */
export type HeaderValue = string | number | boolean | null | HeaderValue[] | { [key: string]: HeaderValue };
export type Headers = Record<string, HeaderValue>;

export type Body = Record<string, unknown>;

export interface Message {
  /** Unique id: a UUID4 for new messages; any non-empty string is accepted (fedmsg ids are `YYYY-<uuid>`). */
  readonly id: string;
  /** The full routing key, prefix included. */
  readonly topic: string;
  readonly headers: Headers;
  readonly body: Body;
  /** Publish priority, when one was set. */
  readonly priority?: number;
  /** The queue the message was received from (received messages only). */
  readonly queue?: string;
}

/** What a schema derives from a message; everything downstream uses these, never app-specific parsing. */
export interface DerivedFacts {
  readonly schema: string;
  /** False when the message named a schema this registry does not know (it fell back to the base). */
  readonly schemaKnown: boolean;
  readonly severity: SeverityLevel;
  readonly sentAt: Date | null;
  readonly summary: string;
  readonly url: string | null;
  readonly app: string | null;
  readonly agent: string | null;
  readonly usernames: readonly string[];
  readonly groups: readonly string[];
  readonly packages: readonly string[];
  readonly containers: readonly string[];
  readonly modules: readonly string[];
  readonly flatpaks: readonly string[];
}
