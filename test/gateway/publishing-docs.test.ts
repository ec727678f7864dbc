/**
 * docs/publishing.md, done for real: identities made with the CLI, the examples it quotes (curl, Python
 * with only its standard library, the TypeScript SDK) publishing through a real `tidings serve`, what
 * `tidings tail` and a verifying consumer then see, and the quotes kept equal to the files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyId } from '../../src/message/index.js';
import { cleanup, closedPort, makeTempDir, Proc, REPO, runTidings, startConsuming, startServe, type Server } from '../helpers/processes.js';
import { requireProgram } from '../helpers/programs.js';

const PYTHON = '/usr/bin/python3';
const CURL = '/usr/bin/curl';
requireProgram(PYTHON, 'apt-get install -y python3');
requireProgram(CURL, 'apt-get install -y curl');

/** Our environment without Tidings settings or the test runner's markers, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TIDINGS_') && key !== 'NODE_OPTIONS' && key !== 'NODE_TEST_CONTEXT') env[key] = value;
  }
  return { ...env, ...extra };
}

function start(command: string, args: readonly string[], env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, { cwd: REPO, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(`${command} ${args.join(' ')}`, child);
}

/** Runs a command from the repository's root to its end (as the doc's command lines are written). */
async function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Proc> {
  const proc = start(command, args, env);
  await proc.waitForExit(30_000);
  return proc;
}

const tsx = (file: string, args: readonly string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', file, ...args]];

interface Tailed {
  readonly id: string;
  readonly topic: string;
  readonly headers: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

describe('publishing over HTTP as docs/publishing.md shows it', { timeout: 180_000 }, () => {
  let dir: string;
  let data: string;
  let serve: Server;
  let tail: Proc;
  let gatewayKeyId: string;
  const tokens: Record<string, string> = {};
  const signerKeys = generateKeyPairSync('ed25519');
  const signerKeyFile = (): string => join(dir, 'signer.key.pem');

  const createIdentity = async (name: string, ...options: string[]): Promise<string> => {
    const created = await runTidings(['identity', 'create', name, ...options, '--data', data]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, new RegExp(`identity "${name}" may publish`));
    assert.match(created.stdout, /^tdg\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');
    return created.stdout.trim();
  };

  before(async () => {
    dir = makeTempDir('tidings-publishing-docs-');
    data = join(dir, 'data');
    serve = await startServe(data);
    writeFileSync(signerKeyFile(), signerKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'signer.pub.pem'), signerKeys.publicKey.export({ type: 'spki', format: 'pem' }));
    tokens['koji'] = await createIdentity('koji', '--topics', 'org.example.prod.buildsys.#');
    tokens['signer'] = await createIdentity('signer', '--topics', 'org.example.prod.signer.#', '--public-key', join(dir, 'signer.pub.pem'));
    tokens['slow-python'] = await createIdentity('slow-python', '--topics', 'org.example.prod.slow.#', '--rate', '30');
    tokens['slow-curl'] = await createIdentity('slow-curl', '--topics', 'org.example.prod.slow.#', '--rate', '30');
    tokens['gone'] = await createIdentity('gone', '--topics', 'org.example.prod.gone.#');
    const trust = (await (await fetch(`${serve.url}/api/v1/trust`)).json()) as { gateway_keys: Array<{ key_id: string }> };
    gatewayKeyId = trust.gateway_keys[0]!.key_id;
    tail = await startConsuming(['tail', '--json', '--url', serve.url, 'org.example.prod.#']);
  });
  after(async () => {
    await cleanup();
  });

  const tailed = (): Tailed[] =>
    tail.lines().flatMap((line) => {
      try {
        return [JSON.parse(line) as Tailed];
      } catch {
        return [];
      }
    });
  const inTail = (id: string): Promise<Tailed> => tail.waitFor(() => tailed().find((message) => message.id === id), `message ${id} in the tail`);

  /** Publishes a marker with `publish` and waits for it: whatever was refused before it never came. */
  const assertNeverTailed = async (topic: string, publishMarker: () => Promise<string>): Promise<void> => {
    await inTail(await publishMarker());
    assert.deepEqual(tailed().filter((message) => message.topic === topic), [], `${topic} reached the bus`);
  };

  const python = (token: string, topic: string, body: object, ...extra: string[]): Promise<Proc> =>
    run(PYTHON, ['examples/publish.py', '--url', serve.url, '--token', token, '--topic', topic, '--body', JSON.stringify(body), ...extra]);
  const curl = (token: string, topic: string, body: object): Promise<Proc> =>
    run('bash', ['examples/publish.sh', topic, JSON.stringify(body)], { TIDINGS_URL: serve.url, TIDINGS_TOKEN: token });

  /** Uses up an identity's whole minute (a batch of `rate` lines), so its next message gets a 429. */
  const exhaust = async (token: string, rate: number): Promise<void> => {
    const lines = Array.from({ length: rate }, (_, n) => JSON.stringify({ topic: 'org.example.prod.slow.filler', body: { n } })).join('\n');
    const response = await fetch(`${serve.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
      body: lines,
    });
    assert.equal(response.status, 202, await response.text());
  };

  test('the doc quotes every example file, exactly', () => {
    const doc = readFileSync(join(REPO, 'docs', 'publishing.md'), 'utf8');
    const quoted = new Map<string, string>();
    for (const [, path, content] of doc.matchAll(/^\[(examples\/[^\]]+)\]\(\.\.\/\1\):\n\n```\w*\n([\s\S]*?)^```$/gm)) {
      assert.ok(!quoted.has(path!), `${path} is quoted twice`);
      quoted.set(path!, content!);
    }
    const files = readdirSync(join(REPO, 'examples'), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `examples/${entry.name}`);
    assert.deepEqual([...quoted.keys()].sort(), files.sort());
    for (const file of files) {
      assert.equal(quoted.get(file), readFileSync(join(REPO, file), 'utf8'), `docs/publishing.md quotes ${file} as it was, not as it is: copy it again`);
    }
  });

  test('identity list shows what identity create made', async () => {
    const listed = await runTidings(['identity', 'list', '--json', '--data', data]);
    assert.equal(listed.code, 0, listed.stderr);
    const identities = listed.lines.map((line) => JSON.parse(line) as { name: string; topics: string[]; signs_itself: boolean; rate_per_minute: number | null });
    const koji = identities.find((identity) => identity.name === 'koji');
    assert.deepEqual(koji && { topics: koji.topics, signs_itself: koji.signs_itself, rate: koji.rate_per_minute }, { topics: ['org.example.prod.buildsys.#'], signs_itself: false, rate: null });
    assert.equal(identities.find((identity) => identity.name === 'signer')?.signs_itself, true);
    assert.equal(identities.find((identity) => identity.name === 'slow-python')?.rate_per_minute, 30);
  });

  test('Python, standard library only: the message shows in tidings tail, stamped with the identity and signed by the gateway', async () => {
    const published = await python(tokens['koji']!, 'org.example.prod.buildsys.build.done', { name: 'kernel', via: 'python' });
    assert.equal(published.exit?.code, 0, published.describe());
    const id = published.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const message = await inTail(id);
    assert.equal(message.topic, 'org.example.prod.buildsys.build.done');
    assert.deepEqual(message.body, { name: 'kernel', via: 'python' });
    assert.equal(message.headers['x-tidings-identity'], 'koji');
    assert.equal(message.headers['x-tidings-key-id'], gatewayKeyId);
    assert.equal(typeof message.headers['x-tidings-signature'], 'string');
  });

  test('Python: a topic outside the identity\'s patterns is refused (403, exit 1) and never reaches the bus', async () => {
    const refused = await python(tokens['koji']!, 'org.example.prod.bodhi.update.comment', { via: 'python' });
    assert.equal(refused.exit?.code, 1, refused.describe());
    assert.match(refused.stderr, /HTTP 403: identity "koji" may not publish "org\.example\.prod\.bodhi\.update\.comment": it may publish org\.example\.prod\.buildsys\.#/);
    assert.equal(refused.stdout, '');
    await assertNeverTailed('org.example.prod.bodhi.update.comment', async () => (await python(tokens['koji']!, 'org.example.prod.buildsys.marker', { after: 'python 403' })).stdout.trim());
  });

  test('curl: the message shows in tidings tail; a topic outside the patterns is refused (403, exit 1) and never reaches the bus', async () => {
    const published = await curl(tokens['koji']!, 'org.example.prod.buildsys.tag', { name: 'kernel', via: 'curl' });
    assert.equal(published.exit?.code, 0, published.describe());
    const { id } = JSON.parse(published.stdout) as { id: string };
    const message = await inTail(id);
    assert.deepEqual(message.body, { name: 'kernel', via: 'curl' });
    assert.equal(message.headers['x-tidings-identity'], 'koji');
    assert.equal(message.headers['x-tidings-key-id'], gatewayKeyId);

    const refused = await curl(tokens['koji']!, 'org.example.prod.bodhi.update.comment', { via: 'curl' });
    assert.equal(refused.exit?.code, 1, refused.describe());
    assert.match(refused.stderr, /publish failed: HTTP 403: .*may not publish \\"org\.example\.prod\.bodhi\.update\.comment\\"/);
    assert.equal(refused.stdout, '');
    await assertNeverTailed('org.example.prod.bodhi.update.comment', async () => (JSON.parse((await curl(tokens['koji']!, 'org.example.prod.buildsys.marker', { after: 'curl 403' })).stdout) as { id: string }).id);
  });

  test('over its rate, the Python example waits as Retry-After says and then publishes', async () => {
    await exhaust(tokens['slow-python']!, 30);
    const published = await python(tokens['slow-python']!, 'org.example.prod.slow.python', { waited: true });
    assert.equal(published.exit?.code, 0, published.describe());
    assert.match(published.stderr, /HTTP 429: identity "slow-python" is over its rate of 30 messages a minute: retry in ([12]) s; retrying in \1 s/);
    await inTail(published.stdout.trim());
  });

  test('over its rate, the curl example waits as Retry-After says and then publishes', async () => {
    await exhaust(tokens['slow-curl']!, 30);
    const published = await curl(tokens['slow-curl']!, 'org.example.prod.slow.curl', { waited: true });
    assert.equal(published.exit?.code, 0, published.describe());
    assert.match(published.stderr, /Will retry in [12] seconds?/);
    await inTail((JSON.parse(published.stdout) as { id: string }).id);
  });

  test('Python: an unreachable gateway is retried, then given up with exit 3', async () => {
    const port = await closedPort();
    const proc = await run(PYTHON, ['examples/publish.py', '--url', `http://127.0.0.1:${port}`, '--token', tokens['koji']!, '--topic', 'org.example.prod.buildsys.x', '--body', '{}', '--retries', '1']);
    assert.equal(proc.exit?.code, 3, proc.describe());
    assert.match(proc.stderr, /could not reach .*; retrying in 1 s\n/);
    assert.match(proc.stderr, /giving up after 2 tries: could not reach/);
  });

  test('a revoked identity\'s token is refused (401) within a second or so', async () => {
    assert.equal((await python(tokens['gone']!, 'org.example.prod.gone.before', {})).exit?.code, 0);
    const revoked = await runTidings(['identity', 'revoke', 'gone', '--data', data]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /identity "gone" revoked/);
    // The gateway re-reads an identity at most once a second: try until refused, for at most 5 s.
    const deadline = Date.now() + 5_000;
    let last: Proc;
    do last = await python(tokens['gone']!, 'org.example.prod.gone.after', {});
    while (last.exit?.code === 0 && Date.now() < deadline);
    assert.equal(last.exit?.code, 1, last.describe());
    assert.match(last.stderr, /HTTP 401: a valid bearer token is required/);
  });

  test('TypeScript SDK: self-signed over HTTP and on the bus directly; the verifying consumer takes signed messages on their identity\'s topics only', async () => {
    const verified = start(...tsx('examples/consume-verified.ts', [serve.url, 'org.example.prod.#']));
    await verified.waitForLine(/^consuming verified messages/, { stream: 'stderr', timeoutMs: 20_000 });

    // Unsigned, straight onto the bus (serve's hub): the tail shows it, the verifying consumer must not.
    const unsigned = await runTidings(['publish', '--url', serve.url, '--topic', 'org.example.prod.signer.unsigned', '--body', '{"n": 1}']);
    assert.equal(unsigned.code, 0, unsigned.stderr);

    const overHttp = await run(...tsx('examples/publish-sdk.ts', ['--url', serve.url, '--token', tokens['signer']!, '--identity', 'signer', '--key', signerKeyFile(), '--topic', 'org.example.prod.signer.http', '--body', '{"n": 2}']));
    assert.equal(overHttp.exit?.code, 0, overHttp.describe());
    const signed = await inTail(overHttp.stdout.trim());
    assert.equal(signed.headers['x-tidings-identity'], 'signer');
    assert.equal(signed.headers['x-tidings-key-id'], publicKeyId(signerKeys.publicKey), 'the signer\'s own signature is kept');

    const refused = await run(...tsx('examples/publish-sdk.ts', ['--url', serve.url, '--token', tokens['signer']!, '--identity', 'signer', '--key', signerKeyFile(), '--topic', 'org.example.prod.buildsys.http', '--body', '{"n": 3}']));
    assert.equal(refused.exit?.code, 1, refused.describe());
    assert.match(refused.stderr, /HTTP 403: identity "signer" may not publish/);

    const direct = await run(...tsx('examples/publish-direct.ts', [serve.url, 'signer', signerKeyFile(), 'org.example.prod.signer.direct', '{"n": 4}']));
    assert.equal(direct.exit?.code, 0, direct.describe());
    // Nothing stops this on the bus itself; the verifying consumer must refuse it (not signer's topic).
    const offTopic = await run(...tsx('examples/publish-direct.ts', [serve.url, 'signer', signerKeyFile(), 'org.example.prod.buildsys.direct', '{"n": 5}']));
    assert.equal(offTopic.exit?.code, 0, offTopic.describe());
    await inTail(offTopic.stdout.trim());

    const gatewaySigned = await python(tokens['koji']!, 'org.example.prod.buildsys.verified', { n: 6 });
    assert.equal(gatewaySigned.exit?.code, 0, gatewaySigned.describe());

    // One queue, one consumer: messages come in publish order, so once the last is there, all are.
    await verified.waitForLine(/"n":6/, { timeoutMs: 20_000 });
    assert.deepEqual(verified.lines(), [
      'signer org.example.prod.signer.http {"n":2}',
      'signer org.example.prod.signer.direct {"n":4}',
      'koji org.example.prod.buildsys.verified {"n":6}',
    ]);
    verified.kill('SIGINT');
    assert.equal((await verified.waitForExit()).code, 0, verified.describe());
  });
});
