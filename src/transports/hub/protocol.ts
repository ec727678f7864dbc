/**
 * The hub protocol: how a process reaches the embedded broker inside `tidings serve`, as JSON text
 * frames over one WebSocket. Requests carry a request id and get exactly one `ok` or `error` back;
 * settlements (ack, requeue, dead) are one-way, like AMQP's.
 */
import type { ExchangeOptions, RawMessage, QueueOptions } from '../../bus/index.js';

export const HUB_PATH = '/api/v1/hub';
export const HUB_PROTOCOL_VERSION = 1;

export type HubRequest =
  | { op: 'hello'; rid: number; version: number; name: string; identity?: HubIdentity }
  | { op: 'declareExchange'; rid: number; exchange: string; options?: ExchangeOptions }
  | { op: 'declareQueue'; rid: number; queue: QueueOptions }
  | { op: 'bind' | 'unbind'; rid: number; queue: string; exchange: string; pattern: string }
  | { op: 'deleteQueue'; rid: number; queue: string; ifEmpty?: boolean; ifUnused?: boolean }
  | { op: 'publish'; rid: number; message: RawMessage; exchange?: string; mandatory?: boolean }
  | { op: 'consume'; rid: number; queue: string; prefetch: number; ctag: string }
  | { op: 'cancel'; rid: number; ctag: string };

/**
 * Who the client is, as AMQP clients tell RabbitMQ in their connection properties; shown to operators.
 * Every field is optional: clients from before it was added send none, and the server trusts none blindly.
 */
export interface HubIdentity {
  readonly service?: string;
  readonly host?: string;
  readonly pid?: number;
  readonly library?: string;
  readonly libraryVersion?: string;
  readonly platform?: string;
}

export type HubSettlement =
  | { op: 'ack'; tag: number }
  | { op: 'requeue'; tag: number }
  | { op: 'dead'; tag: number; reason: string };

export type HubClientFrame = HubRequest | HubSettlement;

export type HubServerFrame =
  | { op: 'ok'; rid: number; result?: unknown }
  | { op: 'error'; rid: number; code: string; message: string }
  | {
      op: 'deliver';
      ctag: string;
      tag: number;
      queue: string;
      exchange: string;
      redelivered: boolean;
      message: RawMessage;
    }
  | { op: 'cancelled'; ctag: string; code: string; message: string };

/** Frames larger than this are refused before parsing; a message is limited far below it. */
export function maxFrameBytes(maxBodyBytes: number): number {
  // The body travels as an escaped JSON string: allow for worst-case escaping plus headers.
  return maxBodyBytes * 6 + 256 * 1024;
}
