/**
 * Signed messages: an Ed25519 signature over the canonical JSON of the message (id, topic, body and
 * headers, less the headers a broker adds on its way and the signature itself). The key id says who
 * signed: the gateway (on behalf of the identity named in `x-tidings-identity`) or a service with a
 * key of its own.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { Headers, Message } from './message.js';

export const SignatureHeader = {
  /** The identity the message was published as; set by the gateway, never taken from the publisher. */
  identity: 'x-tidings-identity',
  signature: 'x-tidings-signature',
  keyId: 'x-tidings-key-id',
} as const;

/** Headers brokers add after publishing (dead-lettering, retries): not part of what was signed. */
function signedHeaders(headers: Headers): Headers {
  const kept: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === SignatureHeader.signature || name === 'x-death' || name.startsWith('x-first-death-') || name.startsWith('x-tidings-death-') || name === 'x-tidings-retry-count') {
      continue;
    }
    kept[name] = value;
  }
  return kept;
}

/** The bytes a signature covers. */
export function signingPayload(message: Message): Buffer {
  return Buffer.from(canonicalJson({ id: message.id, topic: message.topic, body: message.body, headers: signedHeaders(message.headers) }), 'utf8');
}

/** A stable short id for a public key: the first 16 hex digits of the SHA-256 of its DER form. */
export function publicKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** The message's headers with a signature added (the key id is part of what is signed). */
export function signMessage(message: Message, privateKey: KeyObject, keyId = publicKeyId(createPublicKey(privateKey))): Headers {
  const headers: Headers = { ...message.headers, [SignatureHeader.keyId]: keyId };
  delete headers[SignatureHeader.signature];
  const signature = sign(null, signingPayload({ ...message, headers }), privateKey).toString('base64');
  return { ...headers, [SignatureHeader.signature]: signature };
}

export type SignatureCheck =
  | { readonly valid: true; readonly keyId: string }
  | { readonly valid: false; readonly reason: string };

/** Checks a message's signature with the key its key id names; says why when it does not hold. */
export function checkSignature(message: Message, keyFor: (keyId: string) => KeyObject | undefined): SignatureCheck {
  const signature = message.headers[SignatureHeader.signature];
  const keyId = message.headers[SignatureHeader.keyId];
  if (typeof signature !== 'string' || typeof keyId !== 'string') return { valid: false, reason: 'the message is not signed' };
  const key = keyFor(keyId);
  if (!key) return { valid: false, reason: `the message is signed with key ${keyId}, which nobody trusted has` };
  let ok = false;
  try {
    ok = verify(null, signingPayload(message), key, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  return ok ? { valid: true, keyId } : { valid: false, reason: `the signature does not match the message (forged or altered), key ${keyId}` };
}
