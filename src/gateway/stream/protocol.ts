/**
 * The WebSocket stream protocol, JSON text frames both ways (docs/streams.md has the full story).
 *
 * client → server
 *   {"op":"subscribe","id":"s1","topic":[…],"category":[…],"user":[…],"package":[…],"after":"<message id>"?}
 *   {"op":"unsubscribe","id":"s1"}
 * server → client
 *   {"type":"welcome","limits":{…}}                      once, on connect
 *   {"type":"subscribed","id":"s1","replayed"?:n}        the subscription is live (after its history, if resuming)
 *   {"type":"unsubscribed","id":"s1"}
 *   {"type":"message","subscription":"s1","message":{…}} one per matching subscription
 *   {"type":"error","code":"…","message":"…","id"?:"s1"}
 */

export type ServerFrame =
  | { type: 'welcome'; limits: { max_subscriptions: number; max_frame_bytes: number; max_queued_bytes: number } }
  | { type: 'subscribed'; id: string; replayed?: number }
  | { type: 'unsubscribed'; id: string }
  | { type: 'error'; code: string; message: string; id?: string };

export const SUBSCRIBE_FIELDS: ReadonlySet<string> = new Set(['op', 'id', 'topic', 'category', 'user', 'package', 'after']);

export const MAX_SUBSCRIPTIONS = 25;
export const MAX_SUBSCRIPTION_ID_LENGTH = 100;
/** A subscribe frame with every filter at its limit fits well within this. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;
/** Error frames a connection may provoke before it is closed as abusive. */
export const MAX_BAD_FRAMES = 20;

/** Close codes: policy violation (abuse), going away (server stopping), ours for "too slow". */
export const CLOSE_ABUSIVE = 1008;
export const CLOSE_STOPPING = 1001;
export const CLOSE_TOO_SLOW = 4008;
