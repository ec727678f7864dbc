/**
 * Which signed messages a consumer accepts: signed by the gateway on behalf of an identity, or by an
 * identity with its own key; and only on topics that identity may publish. Built from the trust
 * document `tidings serve` publishes at /api/v1/trust (public keys and topic patterns, no secrets).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { checkSignature, SignatureHeader, TopicMatcher, type Message } from '../message/index.js';

export interface TrustDocument {
  readonly gateway_keys: ReadonlyArray<{ readonly key_id: string; readonly public_key: string }>;
  readonly identities: ReadonlyArray<{
    readonly name: string;
    readonly topics: readonly string[];
    readonly key_id: string | null;
    readonly public_key: string | null;
    readonly revoked: boolean;
  }>;
}

/** Says why a message is not trusted, or null when it is. */
export type MessageVerifier = (message: Message) => string | null;

export class TrustPolicy {
  private readonly gatewayKeys = new Map<string, KeyObject>();
  private readonly identityKeys = new Map<string, { name: string; key: KeyObject }>();
  private readonly identities = new Map<string, { topics: TopicMatcher<true>; revoked: boolean }>();

  constructor(document: TrustDocument) {
    for (const { key_id, public_key } of document.gateway_keys) this.gatewayKeys.set(key_id, createPublicKey(public_key));
    for (const identity of document.identities) {
      const topics = new TopicMatcher<true>();
      for (const pattern of identity.topics) topics.add(pattern, true);
      this.identities.set(identity.name, { topics, revoked: identity.revoked });
      if (identity.key_id && identity.public_key) {
        this.identityKeys.set(identity.key_id, { name: identity.name, key: createPublicKey(identity.public_key) });
      }
    }
  }

  /** Why `message` is not to be trusted, or null. */
  readonly check: MessageVerifier = (message) => {
    const signature = checkSignature(message, (keyId) => this.gatewayKeys.get(keyId) ?? this.identityKeys.get(keyId)?.key);
    if (!signature.valid) return signature.reason;
    const claimed = message.headers[SignatureHeader.identity];
    const ownKey = this.identityKeys.get(signature.keyId);
    const name = ownKey ? ownKey.name : claimed;
    if (typeof name !== 'string') return 'the message names no identity (x-tidings-identity)';
    if (ownKey && claimed !== undefined && claimed !== ownKey.name) {
      return `the message claims identity "${String(claimed)}" but is signed with the key of "${ownKey.name}"`;
    }
    const identity = this.identities.get(name);
    if (!identity) return `identity "${name}" is not known to the policy`;
    if (identity.revoked) return `identity "${name}" is revoked`;
    if (identity.topics.match(message.topic).size === 0) return `identity "${name}" may not publish "${message.topic}"`;
    return null;
  };
}
