/**
 * The parts of the management API's answers this source reads (RabbitMQ 3.x), and the `columns=`
 * each list asks for, so a vhost with a thousand queues answers quickly. Every field may be missing:
 * statistics appear only once collected, and older or newer brokers leave some out.
 */

/** `message_stats`: counters, each with a `<name>_details.rate` per second. */
export type MessageStats = Readonly<Record<string, number | { readonly rate?: number } | undefined>>;

export interface ApiOverview {
  readonly node?: string;
  readonly rabbitmq_version?: string;
  readonly cluster_name?: string;
  readonly disable_stats?: boolean;
}

export interface ApiNode {
  readonly name: string;
  readonly mem_used?: number;
  readonly mem_limit?: number;
  readonly mem_alarm?: boolean;
  readonly disk_free?: number;
  readonly disk_free_limit?: number;
  readonly disk_free_alarm?: boolean;
  readonly uptime?: number;
}

export interface ApiExchange {
  readonly name: string;
  readonly type: string;
  readonly durable: boolean;
  readonly message_stats?: MessageStats;
}

export interface ApiBinding {
  readonly source: string;
  readonly destination: string;
  readonly destination_type: string;
  readonly routing_key: string;
}

export interface ApiQueue {
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive?: boolean;
  readonly auto_delete: boolean;
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly effective_policy_definition?: Readonly<Record<string, unknown>> | readonly unknown[];
  readonly messages?: number;
  readonly messages_ready?: number;
  readonly messages_unacknowledged?: number;
  readonly consumers?: number;
  readonly consumer_utilisation?: number | null;
  readonly message_stats?: MessageStats;
  /** Seconds since the epoch: the `timestamp` property of the head message, when it has one. */
  readonly head_message_timestamp?: number | null;
  /** `2026-01-01T09:00:00.000+00:00` (3.10+) or `2026-01-01 09:00:00` (older, UTC). Absent while busy. */
}

export interface ApiConsumer {
  readonly consumer_tag: string;
  readonly prefetch_count?: number;
  readonly active?: boolean;
  readonly queue: { readonly name: string };
  readonly channel_details: { readonly name: string; readonly connection_name: string; readonly number?: number };
}

export interface ApiChannel {
  readonly name: string;
  readonly number: number;
  readonly connection_details: { readonly name: string };
  readonly consumer_count?: number;
  readonly messages_unacknowledged?: number;
  readonly prefetch_count?: number;
  readonly message_stats?: MessageStats;
}

export interface ApiConnection {
  readonly name: string;
  readonly user?: string;
  readonly peer_host?: string;
  readonly peer_port?: number;
  readonly connected_at?: number;
  readonly channels?: number;
  readonly state?: string;
  readonly client_properties?: Readonly<Record<string, unknown>>;
}

/** One message of `POST /api/queues/{vhost}/{queue}/get`. */
export interface ApiGotMessage {
  readonly payload: string;
  readonly payload_encoding: 'string' | 'base64';
  readonly exchange: string;
  readonly routing_key: string;
  readonly redelivered: boolean;
  readonly properties: {
    readonly message_id?: string;
    readonly headers?: Readonly<Record<string, unknown>>;
    readonly [property: string]: unknown;
  };
}

export const COLUMNS = {
  overview: ['node', 'rabbitmq_version', 'cluster_name', 'disable_stats'],
  nodes: ['name', 'mem_used', 'mem_limit', 'mem_alarm', 'disk_free', 'disk_free_limit', 'disk_free_alarm', 'uptime'],
  exchanges: ['name', 'type', 'durable', 'message_stats'],
  bindings: ['source', 'destination', 'destination_type', 'routing_key'],
  queues: [
    'name', 'durable', 'exclusive', 'auto_delete', 'arguments', 'effective_policy_definition', 'messages', 'messages_ready',
    'messages_unacknowledged', 'consumers', 'consumer_utilisation', 'message_stats', 'head_message_timestamp',
  ],
  consumers: ['consumer_tag', 'prefetch_count', 'active', 'queue.name', 'channel_details.name', 'channel_details.connection_name', 'channel_details.number'],
  channels: ['name', 'number', 'connection_details.name', 'consumer_count', 'messages_unacknowledged', 'prefetch_count', 'message_stats'],
  connections: ['name', 'user', 'peer_host', 'peer_port', 'connected_at', 'channels', 'state', 'client_properties'],
} as const;

export function withColumns(path: string, columns: readonly string[]): string {
  return `${path}${path.includes('?') ? '&' : '?'}columns=${columns.join(',')}`;
}
