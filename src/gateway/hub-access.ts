/**
 * Who may use the hub (the bus over serve's port) and what their publishes carry. The hub is a
 * publish path like POST /api/v1/messages, so the same policy holds: a client with a token publishes
 * only its identity's topics, and its messages carry that identity and the gateway's signature. A
 * client without one is let in only from this machine (hub_access = "loopback"), like a local
 * process opening the data directory; its messages cannot claim an identity they were not signed for.
 */
import { TidingsError, MessageFormatError, SignatureHeader, signMessage, type Message } from '../message/index.js';
import type { RawMessage } from '../bus/index.js';
import type { Identity, SigningKey } from '../store/index.js';
import type { Authenticator } from './authenticate.js';
import type { TopicPolicy } from './topic-policy.js';

export type HubAccessMode = 'loopback' | 'token';

/** A hub publish outside the identity's topic patterns. */
export class PublishForbiddenError extends TidingsError {
  readonly code = 'PUBLISH_FORBIDDEN';
}

/** Refused at the door: a bad token, or none from where one is needed. */
export class HubAccessError extends TidingsError {
  readonly code = 'HUB_ACCESS_DENIED';
}

/** Applied to every message a hub client publishes; throws to refuse it. */
export type HubPublishPolicy = (message: RawMessage) => RawMessage;

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

export class HubAccess {
  constructor(
    private readonly mode: HubAccessMode,
    private readonly authenticator: Authenticator,
    private readonly signingKey: SigningKey,
    private readonly topicPolicy: TopicPolicy,
  ) {}

  /** The identity a client connects as (null: none, allowed from here); throws HubAccessError. */
  async admit(authorization: string | undefined, ip: string): Promise<Identity | null> {
    if (authorization) {
      const identity = await this.authenticator.identify(authorization);
      if (!identity) throw new HubAccessError('the hub token is not valid (unknown, malformed or revoked)');
      return identity;
    }
    if (this.mode === 'loopback' && isLoopback(ip)) return null;
    throw new HubAccessError(
      this.mode === 'token'
        ? 'the hub needs a bearer token (hub_access = "token"): create one with `tidings identity create`, then connect with http://:TOKEN@host:port or TIDINGS_TOKEN'
        : `the hub needs a bearer token from ${ip} (only this machine may connect without one): create one with \`tidings identity create\`, then connect with http://:TOKEN@host:port or TIDINGS_TOKEN`,
    );
  }

  /** What a client's publishes go through. */
  policyFor(identity: Identity | null): HubPublishPolicy {
    if (!identity) return withoutUnsignedIdentity;
    return (raw) => {
      if (!this.topicPolicy.allows(identity, raw.topic)) {
        throw new PublishForbiddenError(`identity "${identity.name}" may not publish "${raw.topic.slice(0, 200)}": it may publish ${identity.topics.join(', ')}`);
      }
      let body: Message['body'];
      try {
        body = JSON.parse(raw.body) as Message['body'];
      } catch {
        throw new MessageFormatError('a message published with a token must have a JSON body (it is signed)');
      }
      // As over HTTP: the x-tidings-* headers are the gateway's word, never the publisher's.
      const headers: Message['headers'] = {};
      for (const [name, value] of Object.entries(raw.headers)) if (!name.startsWith('x-tidings-')) headers[name] = value;
      headers[SignatureHeader.identity] = identity.name;
      const signed = signMessage({ id: raw.id, topic: raw.topic, headers, body }, this.signingKey.privateKey, this.signingKey.keyId);
      return { ...raw, headers: signed };
    };
  }
}

/** Without a token, a message names an identity only with a signature a verifying consumer can check. */
function withoutUnsignedIdentity(raw: RawMessage): RawMessage {
  if (raw.headers[SignatureHeader.identity] === undefined || typeof raw.headers[SignatureHeader.signature] === 'string') return raw;
  const headers = { ...raw.headers };
  delete headers[SignatureHeader.identity];
  return { ...raw, headers };
}
