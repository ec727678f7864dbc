/**
 * docs/ports.md, proved: every schema and every other name of it is in the tables, each table row's
 * topic is one its schemas are published on, every example body fits the schema it names, and every
 * example call — curl over HTTP with a token, and the SDK — publishes through a real `tidings serve`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseSchema, createMessage, summarizeBody } from '../../src/message/index.js';
import { appSchemas, createSchemaCatalog } from '../../src/schemas/index.js';
import { eventually } from '../helpers/deliveries.js';
import { cleanup, makeTempDir, Proc, REPO, runTidings, spawnNode, startServe, type Server } from '../helpers/processes.js';

const DOC = readFileSync(join(REPO, 'docs', 'ports.md'), 'utf8');
const catalog = createSchemaCatalog();

interface Example {
  readonly kind: 'curl' | 'sdk';
  readonly code: string;
  readonly topic: string;
  readonly schema: string;
  readonly body: Record<string, unknown>;
}

/** The JSON object that starts at `start` (a `{`), by matching braces outside strings. */
function objectAt(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return text.slice(start, index + 1);
  }
  throw new Error(`unbalanced braces after ${text.slice(start, start + 60)}`);
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const [, language, code] of DOC.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    if (language === 'sh' && code!.includes('/api/v1/messages')) {
      const json = /<<'EOF'\n([\s\S]*?)\nEOF/.exec(code!);
      assert.ok(json, `a curl example without its body: ${code}`);
      const request = JSON.parse(json[1]!) as { topic: string; schema: string; body: Record<string, unknown> };
      found.push({ kind: 'curl', code: code!, topic: request.topic, schema: request.schema, body: request.body });
    } else if (language === 'ts' && code!.includes('bus.publish(')) {
      const topic = /topic: '([^']+)'/.exec(code!)?.[1];
      const schema = /schema: '([^']+)'/.exec(code!)?.[1];
      const bodyAt = code!.indexOf('body: {');
      assert.ok(topic && schema && bodyAt > 0, `an SDK example without topic, schema or body: ${code}`);
      found.push({ kind: 'sdk', code: code!, topic, schema, body: JSON.parse(objectAt(code!, bodyAt + 'body: '.length)) as Record<string, unknown> });
    }
  }
  return found;
}

const all = examples();

describe('docs/ports.md', () => {
  test('names every application schema and every other name it is known by', () => {
    const missing = appSchemas.flatMap((app) => [app.schema.name, ...app.schema.aliases]).filter((name) => !DOC.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });

  test("each table row's topics are published under the schemas the row names", () => {
    let rows = 0;
    for (const line of DOC.split('\n')) {
      const cells = line.split(' | ');
      if (!line.startsWith('| ') || cells.length < 4 || line.startsWith('| event')) continue;
      const topics = [...cells[1]!.matchAll(/`([^`<]+)`/g)].map((match) => match[1]!);
      const names = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
      assert.ok(topics.length > 0 && names.length > 0, line);
      for (const name of names) {
        const schema = catalog.registry.get(name);
        assert.ok(schema && schema !== baseSchema, `${name} is not a schema`);
        for (const topic of topics) {
          assert.ok(catalog.forTopic(`org.fedoraproject.prod.${topic}`).some((app) => app.schema === schema), `${topic} is not a topic of ${name}`);
        }
      }
      rows++;
    }
    assert.equal(rows, 8 + 25 + 8 + 26 + 7 + 3 + 5);
  });

  test('each application has a curl and an SDK example, and every example body fits the schema it names', () => {
    assert.equal(all.length, 12);
    const families = (kind: Example['kind']): string[] => [...new Set(all.filter((example) => example.kind === kind).map((example) => catalog.find(example.schema)!.family))].sort();
    const expected = ['accounts', 'buildsys', 'git', 'mirrors', 'pkgdb', 'updates'];
    assert.deepEqual(families('curl'), expected);
    assert.deepEqual(families('sdk'), expected);
    for (const example of all) {
      const app = catalog.find(example.schema);
      assert.ok(app, `${example.schema} is not a schema`);
      assert.ok(example.topic.startsWith('org.fedoraproject.prod.'));
      assert.ok(catalog.forTopic(example.topic).includes(app), `${example.topic} is not a topic of ${example.schema}`);
      const message = createMessage({ topic: example.topic, body: example.body, schema: example.schema }, catalog.registry);
      assert.equal(catalog.validate(message), app.schema);
      const facts = catalog.facts(message);
      assert.notEqual(facts.summary, summarizeBody(example.body), `${example.schema}: a summary of its own`);
    }
  });

  describe('the calls, against a real tidings serve', { timeout: 120_000 }, () => {
    let server: Server;
    let env: Record<string, string>;

    before(async () => {
      const dir = makeTempDir('tidings-ports-doc-');
      const data = join(dir, 'data');
      server = await startServe(data);
      const created = await runTidings(['identity', 'create', 'ports', '--topics', 'org.fedoraproject.prod.#', '--data', data]);
      assert.equal(created.code, 0, created.stderr);
      env = { TIDINGS_URL: server.url, TIDINGS_TOKEN: created.stdout.trim() };
    });
    after(cleanup);

    const bash = (code: string): Proc => {
      const child = spawn('bash', ['-c', code], { cwd: REPO, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      return new Proc('bash (a curl example)', child);
    };

    /** The archive (written a moment after the bus confirmed) holds the message, published as `identity`. */
    const archivedUnder = async (id: string, identity: string): Promise<void> => {
      let archived: { headers: Record<string, unknown> } | undefined;
      await eventually(async () => {
        const answer = await fetch(`${server.url}/v2/id?id=${id}`);
        if (answer.status === 200) archived = (await answer.json()) as { headers: Record<string, unknown> };
        return archived !== undefined;
      }, `message ${id} is archived`, 10_000);
      assert.equal(archived!.headers['x-tidings-identity'], identity);
    };

    test('every curl example publishes: 202 and the id, and the message is archived', async () => {
      for (const example of all.filter((candidate) => candidate.kind === 'curl')) {
        const curl = bash(example.code);
        const exit = await curl.waitForExit(30_000);
        assert.equal(exit.code, 0, `${example.schema}: ${curl.stdout} ${curl.stderr}`);
        const { id } = JSON.parse(curl.stdout) as { id: string };
        await archivedUnder(id, 'ports');
      }
    });

    test('every SDK example publishes and prints the id', async () => {
      for (const example of all.filter((candidate) => candidate.kind === 'sdk')) {
        const sdk = spawnNode('--input-type=module', ['-e', example.code], { env, name: `the SDK example of ${example.schema}` });
        const exit = await sdk.waitForExit(30_000);
        assert.equal(exit.code, 0, `${example.schema}: ${sdk.stderr}`);
        const id = sdk.stdout.trim();
        assert.match(id, /^[0-9a-f-]{36}$/);
        await archivedUnder(id, 'ports');
      }
    });

    test('a body that does not fit its schema is refused: curl fails with the failing path', async () => {
      const example = all.find((candidate) => candidate.kind === 'curl' && candidate.schema === 'bodhi.update.comment.v1')!;
      const broken = example.code.replace('"karma": 1,', '"karma": "lots",');
      assert.notEqual(broken, example.code);
      const curl = bash(broken);
      const exit = await curl.waitForExit(30_000);
      assert.equal(exit.code, 22, 'curl --fail-with-body exits 22 on an HTTP error');
      assert.match(curl.stdout, /fails schema \\?"bodhi\.update\.comment\.v1\\?": \/comment\/karma must be integer/);
    });
  });
});
