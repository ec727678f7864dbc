import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { checkSignature, publicKeyId, signMessage, SignatureHeader, type Message } from '../../src/message/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const keyId = publicKeyId(publicKey);
const keys = new Map<string, KeyObject>([[keyId, publicKey]]);
const keyFor = (id: string): KeyObject | undefined => keys.get(id);

const message: Message = {
  id: '4b5c2e1a-0000-4000-8000-000000000001',
  topic: 'org.fedoraproject.prod.buildsys.build.state.change',
  headers: { fedora_messaging_schema: 'base.message', fedora_messaging_severity: 20, [SignatureHeader.identity]: 'koji' },
  body: { name: 'kernel', owner: 'alice', nested: { b: 2, a: [1, 'ü'] } },
};

describe('signed messages', () => {
  test('a signed message verifies, whatever the key order of its JSON', () => {
    const headers = signMessage(message, privateKey);
    assert.equal(headers[SignatureHeader.keyId], keyId);
    const reordered: Message = { ...message, headers, body: { nested: { a: [1, 'ü'], b: 2 }, owner: 'alice', name: 'kernel' } };
    assert.deepEqual(checkSignature(reordered, keyFor), { valid: true, keyId });
  });

  test('headers a broker adds on the way (dead-lettering) do not break it', () => {
    const headers = { ...signMessage(message, privateKey), 'x-death': [{ reason: 'rejected' }], 'x-first-death-queue': 'q' };
    assert.equal(checkSignature({ ...message, headers }, keyFor).valid, true);
  });

  const tampered: Array<[string, (signed: Message) => Message]> = [
    ['the body', (m) => ({ ...m, body: { ...m.body, owner: 'mallory' } })],
    ['the topic', (m) => ({ ...m, topic: 'org.fedoraproject.prod.bodhi.update.request.stable' })],
    ['the id', (m) => ({ ...m, id: 'another-id' })],
    ['the identity header', (m) => ({ ...m, headers: { ...m.headers, [SignatureHeader.identity]: 'bodhi' } })],
    ['a routing header', (m) => ({ ...m, headers: { ...m.headers, fedora_messaging_user_mallory: true } })],
  ];
  for (const [what, tamper] of tampered) {
    test(`changing ${what} after signing is caught as forged`, () => {
      const signed = { ...message, headers: signMessage(message, privateKey) };
      const check = checkSignature(tamper(signed), keyFor);
      assert.equal(check.valid, false);
      assert.match((check as { reason: string }).reason, /forged or altered/);
    });
  }

  test('a signature by a key nobody trusts, and no signature at all, are refused with the reason', () => {
    const stranger = checkSignature({ ...message, headers: signMessage(message, other.privateKey) }, keyFor);
    assert.equal(stranger.valid, false);
    assert.match((stranger as { reason: string }).reason, /nobody trusted has/);
    const unsigned = checkSignature(message, keyFor);
    assert.match((unsigned as { reason: string }).reason, /not signed/);
  });

  test('claiming a trusted key id on a signature made with another key is forged', () => {
    const headers = { ...signMessage(message, other.privateKey), [SignatureHeader.keyId]: keyId };
    assert.equal(checkSignature({ ...message, headers }, keyFor).valid, false);
  });
});
