/**
 * The hub is a publish path too: with hub_access = "token" every client needs a token, publishes only
 * its identity's topics, and its messages carry the identity and the gateway's signature; without a
 * token (loopback), a message cannot claim an identity it has no signature for.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect } from '../../src/connect.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startServer, type RunningServer } from '../../src/cli/serve.js';
import type { Bus, ReceivedMessage } from '../../src/bus/index.js';
import { loadTrust } from '../../src/trust-client.js';
import { isLoopback } from '../../src/gateway/index.js';
import { SignatureHeader } from '../../src/message/index.js';
import { IdentityStore, openDatabase } from '../../src/store/index.js';
import { cleanup, makeTempDir } from '../helpers/processes.js';
import { eventually } from '../helpers/deliveries.js';

async function serve(dataDir: string, hubAccess: 'loopback' | 'token'): Promise<RunningServer> {
  const config = loadConfig({ env: {}, overrides: { serve: { listen: '127.0.0.1:0', data_dir: dataDir }, gateway: { hub_access: hubAccess } } });
  return startServer(config, silentLogger());
}

async function identityTokens(dataDir: string): Promise<Record<string, string>> {
  const database = await openDatabase({ dataDir });
  try {
    const identities = new IdentityStore(database);
    const tokens: Record<string, string> = {};
    tokens['koji'] = (await identities.create('koji', { topics: ['org.example.prod.buildsys.#'] })).token;
    tokens['watcher'] = (await identities.create('watcher', { topics: ['org.example.prod.nothing'] })).token;
    tokens['gone'] = (await identities.create('gone', { topics: ['#'] })).token;
    await identities.revoke('gone');
    return tokens;
  } finally {
    await database.close();
  }
}

test('loopback addresses are told apart from the rest', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(ip), true, ip);
  for (const ip of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1']) assert.equal(isLoopback(ip), false, ip);
});

describe('hub_access = "token"', { timeout: 60_000 }, () => {
  let dataDir: string;
  let server: RunningServer;
  let tokens: Record<string, string>;
  let koji: Bus;
  let watcher: Bus;
  const received: ReceivedMessage[] = [];

  before(async () => {
    dataDir = join(makeTempDir(), 'data');
    tokens = await identityTokens(dataDir);
    server = await serve(dataDir, 'token');
    koji = await connect(server.url, { token: tokens['koji']! });
    const url = new URL(server.url);
    url.password = tokens['watcher']!;
    watcher = await connect(url.toString());
    await watcher.consume({ queue: '', bindings: ['org.example.prod.#'] }, (message) => {
      received.push(message);
    });
  });
  after(async () => {
    await koji.close();
    await watcher.close();
    await server.close();
    cleanup();
  });

  test('no token, a wrong one or a revoked one is refused with the reason', async () => {
    await assert.rejects(connect(server.url), /refused the connection \(401\): the hub needs a bearer token \(hub_access = "token"\)/);
    await assert.rejects(connect(server.url, { token: `${tokens['koji']!}x` }), /401\): the hub token is not valid/);
    await assert.rejects(connect(server.url, { token: tokens['gone']! }), /401\): the hub token is not valid/);
  });

  test('a client publishes its identity\'s topics, stamped with the identity and signed by the gateway', async () => {
    const sent = await koji.publish({
      topic: 'org.example.prod.buildsys.build.state.change',
      body: { build: 42 },
      headers: { [SignatureHeader.identity]: 'bodhi', [SignatureHeader.signature]: 'forged' },
    });
    await eventually(() => received.some((m) => m.id === sent.id), 'the message arrives');
    const message = received.find((m) => m.id === sent.id)!;
    assert.equal(message.headers[SignatureHeader.identity], 'koji');
    const trust = await loadTrust(server.url, { refreshMs: 0 });
    assert.equal(trust.check(message), null);
    trust.close();
  });

  test('a topic outside the identity\'s patterns is refused with PUBLISH_FORBIDDEN, and the connection goes on', async () => {
    await assert.rejects(
      koji.publish({ topic: 'org.example.prod.bodhi.update.comment', body: { text: 'not mine' } }),
      (error: Error & { code?: string }) => error.code === 'PUBLISH_FORBIDDEN' && /identity "koji" may not publish "org\.example\.prod\.bodhi\.update\.comment"/.test(error.message),
    );
    const after = await koji.publish({ topic: 'org.example.prod.buildsys.tag', body: { tag: 'f41' } });
    await eventually(() => received.some((m) => m.id === after.id), 'a later allowed publish arrives');
    assert.ok(!received.some((m) => m.topic === 'org.example.prod.bodhi.update.comment'));
  });
});

describe('hub_access = "loopback" (the default)', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let bus: Bus;
  const received: ReceivedMessage[] = [];

  before(async () => {
    server = await serve(join(makeTempDir(), 'data'), 'loopback');
    bus = await connect(server.url);
    await bus.consume({ queue: '', bindings: ['org.example.prod.#'] }, (message) => {
      received.push(message);
    });
  });
  after(async () => {
    await bus.close();
    await server.close();
    cleanup();
  });

  test('a local client needs no token, but cannot claim an identity without a signature', async () => {
    const sent = await bus.publish({ topic: 'org.example.prod.local.thing', body: { n: 1 }, headers: { [SignatureHeader.identity]: 'koji' } });
    await eventually(() => received.some((m) => m.id === sent.id), 'the message arrives');
    assert.equal(received.find((m) => m.id === sent.id)!.headers[SignatureHeader.identity], undefined);
  });
});
