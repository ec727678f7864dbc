/**
 * Verifying consumers: the SDK's `verify` option and `tidings consume --verify` take messages signed
 * by the gateway or by an identity's own key, on that identity's topics, and dead-letter the rest
 * (unsigned, forged, signed by a stranger, outside the identity's patterns, revoked) with the reason.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import { loadTrust, type TrustClient } from '../../src/trust-client.js';
import { formatSentAt, signMessage, SignatureHeader, type Message } from '../../src/message/index.js';
import { IdentityStore, openDatabase, type StoreDatabase } from '../../src/store/index.js';
import type { RunningServer } from '../../src/cli/serve.js';
import { startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir, startConsuming } from '../helpers/processes.js';

const pem = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): string => key.export({ type: 'spki', format: 'pem' }).toString();

describe('verifying consumers', { timeout: 90_000 }, () => {
  let dir: string;
  let server: RunningServer;
  let database: StoreDatabase;
  let identities: IdentityStore;
  let publisher: Bus;
  let consumer: Bus;
  let trust: TrustClient;
  const tokens: Record<string, string> = {};
  const signerKeys = generateKeyPairSync('ed25519');
  const strangerKeys = generateKeyPairSync('ed25519');
  const accepted: ReceivedMessage[] = [];
  const dead: ReceivedMessage[] = [];

  before(async () => {
    dir = makeTempDir();
    server = await startTestServer(join(dir, 'data'));
    database = await openDatabase({ dataDir: join(dir, 'data') });
    identities = new IdentityStore(database);
    tokens['koji'] = (await identities.create('koji', { topics: ['org.example.prod.buildsys.#'] })).token;
    tokens['signer'] = (await identities.create('signer', { topics: ['org.example.prod.signer.#'], publicKey: pem(signerKeys.publicKey) })).token;
    publisher = await connect(server.url);
    consumer = await connect(server.url);
    trust = await loadTrust(server.url, { refreshMs: 0 });
    await consumer.consume({ queue: 'verified', bindings: ['org.example.prod.#'], verify: trust.check }, (message) => {
      accepted.push(message);
    });
    await consumer.consume({ queue: 'verified.dlq' }, (message) => {
      dead.push(message);
    });
  });
  after(async () => {
    trust.close();
    await publisher.close();
    await consumer.close();
    await database.close();
    await server.close();
    cleanup();
  });

  const postHttp = async (topic: string, body: Record<string, unknown>, token: string): Promise<string> => {
    const response = await fetch(`${server.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ topic, body }),
    });
    const answer = (await response.json()) as { id: string };
    assert.equal(response.status, 202, JSON.stringify(answer));
    return answer.id;
  };

  /** Straight onto the bus, past the gateway: what a rogue or careless service could do. */
  const publishRaw = async (topic: string, body: Record<string, unknown>, sign?: { key: typeof signerKeys.privateKey; identity?: string; tamper?: boolean }): Promise<string> => {
    const message: Message = {
      id: randomUUID(),
      topic,
      headers: {
        fedora_messaging_schema: 'base.message',
        fedora_messaging_severity: 20,
        'sent-at': formatSentAt(new Date()),
        priority: 0,
        ...(sign?.identity ? { [SignatureHeader.identity]: sign.identity } : {}),
      },
      body,
    };
    const headers = sign ? signMessage(message, sign.key) : message.headers;
    await publisher.publish({ ...message, headers, body: sign?.tamper ? { ...body, tampered: true } : body }, { raw: true });
    return message.id;
  };

  const deathOf = async (id: string): Promise<string> => {
    await eventually(() => dead.some((m) => m.id === id), `${id} dead-lettered`);
    return String(dead.find((m) => m.id === id)!.headers['x-tidings-death-reason']);
  };

  test('messages signed by the gateway or by an identity\'s own key, on its topics, reach the handler', async () => {
    const viaGateway = await postHttp('org.example.prod.buildsys.build.state.change', { build: 1 }, tokens['koji']!);
    const selfSigned = await publishRaw('org.example.prod.signer.done', { ok: true }, { key: signerKeys.privateKey, identity: 'signer' });
    await eventually(() => [viaGateway, selfSigned].every((id) => accepted.some((m) => m.id === id)), 'both accepted');
    assert.equal(accepted.find((m) => m.id === viaGateway)!.headers[SignatureHeader.identity], 'koji');
  });

  test('unsigned, tampered, stranger-signed and out-of-pattern messages are dead-lettered with the reason', async () => {
    const unsigned = await publishRaw('org.example.prod.buildsys.tag', { tag: 'f41' });
    const tampered = await publishRaw('org.example.prod.signer.done', { ok: true }, { key: signerKeys.privateKey, identity: 'signer', tamper: true });
    const stranger = await publishRaw('org.example.prod.signer.done', { ok: true }, { key: strangerKeys.privateKey, identity: 'signer' });
    const outside = await publishRaw('org.example.prod.buildsys.tag', { tag: 'f41' }, { key: signerKeys.privateKey, identity: 'signer' });
    const impostor = await publishRaw('org.example.prod.buildsys.tag', { tag: 'f41' }, { key: signerKeys.privateKey, identity: 'koji' });
    assert.match(await deathOf(unsigned), /not trusted: the message is not signed/);
    assert.match(await deathOf(tampered), /not trusted: the signature does not match the message \(forged or altered\)/);
    assert.match(await deathOf(stranger), /not trusted: .*which nobody trusted has/);
    assert.match(await deathOf(outside), /not trusted: identity "signer" may not publish "org\.example\.prod\.buildsys\.tag"/);
    assert.match(await deathOf(impostor), /claims identity "koji" but is signed with the key of "signer"/);
    for (const id of [unsigned, tampered, stranger, outside, impostor]) assert.ok(!accepted.some((m) => m.id === id), `${id} never reached the handler`);
  });

  test('a revoked identity is no longer trusted once the policy is refreshed', async () => {
    await identities.revoke('signer');
    await trust.refresh();
    const late = await publishRaw('org.example.prod.signer.done', { late: true }, { key: signerKeys.privateKey, identity: 'signer' });
    assert.match(await deathOf(late), /identity "signer" is revoked/);
  });

  test('GET /api/v1/trust has public keys and patterns, never a token or a private key', async () => {
    const text = await (await fetch(`${server.url}/api/v1/trust`)).text();
    const document = JSON.parse(text) as { gateway_keys: unknown[]; identities: Array<{ name: string; topics: string[] }> };
    assert.ok(document.gateway_keys.length >= 1);
    assert.deepEqual(document.identities.find((identity) => identity.name === 'koji')?.topics, ['org.example.prod.buildsys.#']);
    assert.doesNotMatch(text, /PRIVATE KEY|tdg\./);
  });

  test('tidings consume --verify hands only trusted messages to the callback', async () => {
    const seen = join(dir, 'verify.seen');
    const callback = join(dir, 'verify.mjs');
    writeFileSync(
      callback,
      `import { appendFileSync } from 'node:fs';
       export default (message, context) => {
         appendFileSync(${JSON.stringify(seen)}, message.id + '\\n');
         if (message.body.stop) throw new context.outcomes.HaltConsumer({ exitCode: 0 });
       };`,
    );
    const proc = await startConsuming(
      ['consume', '--verify', '--queue-name', 'cli-verified', '--routing-key', 'org.example.prod.buildsys.#', '--callback', `${callback}:default`],
      { env: { TIDINGS_URL: server.url } },
    );
    await eventually(async () => (await fetch(`${server.url}/api/v1/trust`)).ok, 'serve answers');
    const forged = await publishRaw('org.example.prod.buildsys.cli', { stop: true });
    const trusted = await postHttp('org.example.prod.buildsys.cli', { n: 1 }, tokens['koji']!);
    const stop = await postHttp('org.example.prod.buildsys.cli', { stop: true }, tokens['koji']!);
    const exit = await proc.waitForExit();
    assert.equal(exit.code, 0, proc.stderr);
    assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n'), [trusted, stop]);
    const dlq: ReceivedMessage[] = [];
    await consumer.consume({ queue: 'cli-verified.dlq' }, (message) => {
      dlq.push(message);
    });
    await eventually(() => dlq.some((m) => m.id === forged), 'the unsigned message is in cli-verified.dlq');
    assert.match(String(dlq[0]!.headers['x-tidings-death-reason']), /not signed/);
  });
});
