import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, makeTempDir, REPO, runTidings } from '../helpers/processes.js';

const CORPUS = join(REPO, 'test', 'fixtures', 'corpus', 'fedmsg-legacy.jsonl');
const dir = makeTempDir('tidings-schema-');
after(cleanup);

function file(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const envelopes = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.stringify((JSON.parse(line) as { message: unknown }).message));

const comment = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  topic: 'org.fedoraproject.prod.bodhi.update.comment',
  headers: { fedora_messaging_schema: 'bodhi.update.comment.v1', 'sent-at': '2024-06-28T09:12:44+00:00' },
  body: {
    comment: {
      karma: 1, text: 'works, thanks @carol', timestamp: '2024-06-28 09:12:44', user: { name: 'bob' },
      update: { alias: 'FEDORA-2024-1', builds: [{ nvr: 'foo-1.0-1.fc40' }], user: { name: 'alice' }, status: 'testing', request: null, release: { name: 'F40' } },
    },
  },
};

describe('tidings schema', () => {
  test('list names every schema with its topics and its other names', async () => {
    const result = await runTidings(['schema', 'list']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.lines.length >= 70);
    assert.ok(result.lines.some((line) => /^buildsys\.build\.state\.change\.v1 +buildsys\.build\.state\.change +\(also koji_fedoramessaging\.build\.BuildStateChangeV1/.test(line)));
    const json = await runTidings(['schema', 'list', '--json']);
    const noggin = json.lines.map((line) => JSON.parse(line) as { name: string; aliases: string[] }).find((entry) => entry.name === 'fas.user.create.v1');
    assert.ok(noggin?.aliases.includes('noggin.user.create.v1'));
  });

  test('show prints the JSON Schema, an example body and the facts derived from it; an alias works too', async () => {
    const result = await runTidings(['schema', 'show', 'koji_fedoramessaging.tag.TagV1']);
    assert.equal(result.code, 0, result.stderr);
    const shown = JSON.parse(result.stdout) as Record<string, any>;
    assert.equal(shown['name'], 'buildsys.tag.v1');
    assert.equal(shown['bodySchema'].type, 'object');
    assert.deepEqual(shown['bodySchema'].properties.tag_id, { type: 'integer' });
    assert.equal(shown['example'].topic, 'org.fedoraproject.prod.buildsys.tag');
    assert.deepEqual(shown['exampleFacts'].usernames, ['bodhi', 'jforbes']);
    assert.equal(shown['severity'], 'DEBUG');
  });

  test('show of an unknown name exits 1 and suggests names', async () => {
    const result = await runTidings(['schema', 'show', 'update.comment']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no schema is named "update\.comment"; did you mean bodhi\.update\.comment\.v1\?/);
  });

  test('validate accepts all 129 corpus envelopes against the schemas of their topics', async () => {
    const result = await runTidings(['schema', 'validate', file('corpus.jsonl', envelopes)]);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stderr, /129 messages: 129 valid, 0 invalid/);
  });

  test('validate exits 1 listing each failing line: bad JSON, not a message, a body breaking its schema', async () => {
    const bad = { ...comment, body: { comment: { karma: 'lots' } } };
    const path = file('bad.jsonl', [JSON.stringify(comment), '{oops', '[]', JSON.stringify(bad)]);
    const result = await runTidings(['schema', 'validate', path]);
    assert.equal(result.code, 1);
    assert.equal(result.lines.length, 3, result.stdout);
    assert.match(result.lines[0]!, /line 2: not JSON/);
    assert.match(result.lines[1]!, /line 3: each line must be a JSON object/);
    assert.match(result.lines[2]!, /line 4 \(c0ffee00-[^)]+\): .*fails schema "bodhi\.update\.comment\.v1": \/comment must have required property 'text'.*\/comment\/karma must be integer/);
    assert.match(result.stderr, /4 messages: 1 valid, 3 invalid/);
  });

  test('facts prints one line per message in order, with exactly the documented keys', async () => {
    const result = await runTidings(['schema', 'facts', file('corpus-facts.jsonl', envelopes)]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.length, 129);
    const facts = result.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(Object.keys(facts[0]!), ['id', 'topic', 'schema', 'summary', 'url', 'app', 'agent', 'usernames', 'groups', 'packages']);
    facts.forEach((line, index) => assert.equal(line['topic'], (JSON.parse(envelopes[index]!) as { topic: string }).topic));
    const tag = facts.find((line) => line['topic'] === 'org.fedoraproject.prod.buildsys.tag')!;
    assert.deepEqual(tag, {
      id: tag['id'],
      topic: 'org.fedoraproject.prod.buildsys.tag',
      schema: 'buildsys.tag.v1',
      summary: "ralph's stage-4.1.1-3.fc18 tagged into f18-updates-testing-pending by bodhi",
      url: 'http://koji.fedoraproject.org/koji/taginfo?tagID=216',
      app: 'Koji',
      agent: 'bodhi',
      usernames: ['bodhi', 'ralph'],
      groups: [],
      packages: ['stage'],
    });
  });

  test('facts reads fedora-messaging lines by their schema header, and answers a broken line with an error line', async () => {
    const input = [JSON.stringify(comment), 'not json', JSON.stringify({ topic: 'x.y', body: {} }), envelopes[0]!].join('\n') + '\n';
    const result = await runTidings(['schema', 'facts', '-'], { input });
    assert.equal(result.code, 1, 'a broken line makes the exit code 1');
    const lines = result.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 4);
    assert.deepEqual([lines[0]!['schema'], lines[0]!['usernames'], lines[0]!['packages'], lines[0]!['agent']], ['bodhi.update.comment.v1', ['alice', 'bob', 'carol'], ['foo'], 'bob']);
    assert.deepEqual(Object.keys(lines[1]!), ['line', 'error']);
    assert.equal(lines[1]!['line'], 2);
    assert.match(String(lines[2]!['error']), /"id" is missing/);
    assert.equal(lines[3]!['schema'], 'git.mass_branch.start.v1');
  });

  test('an unreadable file is one clear error, exit 1', async () => {
    const result = await runTidings(['schema', 'facts', join(dir, 'missing.jsonl')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot read .*missing\.jsonl: ENOENT/);
  });
});
