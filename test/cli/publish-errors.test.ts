/**
 * Bad input to `tidings publish` is refused at the edge: a non-zero exit, one clear line on stderr
 * naming the problem (and the line of the file), and nothing on the bus. "Nothing on the bus" is
 * proven by a tail started before: a good sentinel published afterwards is the first and only line
 * it prints. Also: the exit codes of an unreachable bus, a bad config file and an unknown flag.
 */
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  closedPort,
  killAll,
  makeTempDir,
  runTidings,
  startConsuming,
  startServe,
  type Result,
  type Server,
} from '../helpers/processes.js';

interface BadInput {
  readonly name: string;
  /** The lines of the JSON Lines file (or the flags, when `args` is given). */
  readonly lines?: string[];
  readonly args?: string[];
  readonly env?: Record<string, string>;
  /** What stderr must say. */
  readonly says: RegExp[];
}

const big = (bytes: number): string => JSON.stringify({ topic: 'org.example.bad.big', body: { blob: 'x'.repeat(bytes) } });

const BAD_INPUTS: BadInput[] = [
  {
    name: 'a body that is a JSON array (file)',
    lines: ['', '{"topic": "org.example.bad.array", "body": [1, 2, 3]}'],
    says: [/line 2/, /"body" must be a JSON object, got array/, /MESSAGE_MALFORMED/],
  },
  {
    name: 'a body that is a JSON array (--body)',
    args: ['--topic', 'org.example.bad.array', '--body', '[1, 2, 3]'],
    says: [/must be a JSON object, got array/],
  },
  {
    name: 'a line that is not JSON',
    lines: ['{"topic": "org.example.bad.json", "body": {"a": 1}'],
    says: [/line 1/, /not JSON/],
  },
  {
    name: 'a --body that is not JSON',
    args: ['--topic', 'org.example.bad.json', '--body', '{a: 1}'],
    says: [/--body is not JSON/],
  },
  {
    name: 'a topic with an empty word (file)',
    lines: ['', '', '{"topic": "org.example..bad", "body": {}}'],
    says: [/line 3/, /"org\.example\.\.bad" has an empty word/, /TOPIC_INVALID/],
  },
  {
    name: 'a topic with a trailing dot (--topic)',
    args: ['--topic', 'org.example.bad.', '--body', '{}'],
    says: [/"org\.example\.bad\." has an empty word/],
  },
  {
    name: 'a topic with a * (file)',
    lines: ['{"topic": "org.*.bad", "body": {}}'],
    says: [/line 1/, /"org\.\*\.bad" contains "\*"/, /wildcards belong in binding patterns/],
  },
  {
    name: 'a body over the default limit of 1 MiB',
    lines: [big(1024 * 1024)],
    says: [/line 1/, /over the limit of 1048576 bytes/, /MESSAGE_TOO_LARGE/],
  },
  {
    name: 'a 3 KB body over TIDINGS_MAX_MESSAGE_BYTES=2048',
    lines: [big(3000)],
    env: { TIDINGS_MAX_MESSAGE_BYTES: '2048' },
    says: [/line 1/, /is 30\d\d bytes, over the limit of 2048 bytes/],
  },
  {
    // The client lets it through: the server's own limit (1 MiB) must still refuse it.
    name: 'a 2 MiB body when only the client raised its limit',
    lines: [big(2 * 1024 * 1024)],
    env: { TIDINGS_MAX_MESSAGE_BYTES: String(8 * 1024 * 1024) },
    says: [/over the limit of 1048576 bytes/],
  },
];

describe('tidings publish refuses bad input and publishes none of it', { timeout: 90_000 }, () => {
  let server: Server;
  let dir: string;

  before(async () => {
    dir = makeTempDir();
    server = await startServe(join(dir, 'data'));
  });
  afterEach(() => killAll([server.proc]));
  after(cleanup);

  /** Runs the bad publish with a tail watching everything, then proves nothing reached the tail. */
  async function refusedAndNothingPublished(bad: BadInput, index: number): Promise<Result> {
    const env = { TIDINGS_URL: server.url };
    const tail = await startConsuming(['tail', '--json', '#'], { env });
    let args = bad.args ?? [];
    if (bad.lines) {
      const file = join(dir, `bad-${index}.jsonl`);
      writeFileSync(file, bad.lines.join('\n') + '\n');
      args = [file];
    }
    const result = await runTidings(['publish', ...args], { env: { ...env, ...bad.env } });
    assert.equal(result.code, 1, `exit code (stderr: ${result.stderr})`);
    assert.equal(result.stdout, '', 'nothing is reported as published');
    for (const pattern of bad.says) assert.match(result.stderr, pattern);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');

    const sentinel = await runTidings(['publish', '--topic', 'org.example.sentinel', '--body', `{"case": ${index}}`], { env });
    assert.equal(sentinel.code, 0, sentinel.stderr);
    const [line] = await tail.waitForLines(1);
    const first = JSON.parse(line!) as { topic: string; body: unknown };
    assert.deepEqual({ topic: first.topic, body: first.body }, { topic: 'org.example.sentinel', body: { case: index } });
    assert.equal(tail.lines().length, 1, `the sentinel is the only line the tail printed:\n${tail.stdout}`);
    return result;
  }

  BAD_INPUTS.forEach((bad, index) => {
    test(`${bad.name}: exit 1, a clear error, nothing published`, async () => {
      await refusedAndNothingPublished(bad, index);
    });
  });

  test('a bad line after good ones is refused with its line number, and the bad message never arrives', async () => {
    const env = { TIDINGS_URL: server.url };
    const tail = await startConsuming(['tail', '--json', 'org.example.mixed.#'], { env });
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(
      file,
      ['{"topic": "org.example.mixed.ok", "body": {"n": 1}}', '{"topic": "org.example.mixed.ok", "body": {"n": 2}}', '{"topic": "org.example.mixed.bad", "body": "three"}']
        .join('\n'),
    );
    const result = await runTidings(['publish', file], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /mixed\.jsonl line 3: "body" must be a JSON object, got string/);
    // Lines before the bad one may have been published (line by line, as fedora-messaging does);
    // whatever publish printed must be exactly what arrived, and the bad line is never among it.
    const sentinel = await runTidings(['publish', '--topic', 'org.example.mixed.sentinel', '--body', '{}'], { env });
    assert.equal(sentinel.code, 0, sentinel.stderr);
    const sentinelId = sentinel.lines[0]!.split(' ')[0];
    const seen = await tail.waitFor(() => {
      const ids = tail.lines().map((line) => (JSON.parse(line) as { id: string }).id);
      return ids.includes(sentinelId!) ? ids : undefined;
    }, 'the sentinel');
    assert.deepEqual(seen, [...result.lines.map((line) => line.split(' ')[0]), sentinelId]);
  });

  test('a JSON Lines file that does not exist: exit 1 naming the file', async () => {
    const result = await runTidings(['publish', join(dir, 'no-such-file.jsonl')], { env: { TIDINGS_URL: server.url } });
    assert.match(result.stderr, /no-such-file\.jsonl/);
    assert.equal(result.code, 1, `a missing input file is bad input (exit 1), got ${result.code}: ${result.stderr}`);
  });

  test('--url at a closed port: exit 14, telling the user to start `tidings serve`', async () => {
    const port = await closedPort();
    const result = await runTidings(['--url', `http://127.0.0.1:${port}`, 'publish', '--topic', 'org.example.x', '--body', '{}']);
    assert.equal(result.code, 14, result.stderr);
    assert.match(result.stderr, new RegExp(`could not reach tidings serve at http://127\\.0\\.0\\.1:${port}`));
    assert.match(result.stderr, /start it with `tidings serve`/);
    const viaEnv = await runTidings(['publish', '--topic', 'org.example.x', '--body', '{}'], {
      env: { TIDINGS_URL: `http://127.0.0.1:${port}` },
    });
    assert.equal(viaEnv.code, 14, viaEnv.stderr);
  });

  test('a config file with qos.prefetch_count = "ten": exit 2 naming the key', async () => {
    const config = join(dir, 'bad.toml');
    writeFileSync(config, '[qos]\nprefetch_count = "ten"\n');
    for (const command of [['publish', '--topic', 'org.example.x', '--body', '{}'], ['tail']]) {
      const result = await runTidings(['--config', config, ...command], { env: { TIDINGS_URL: server.url } });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /qos\.prefetch_count/);
      assert.match(result.stderr, /must be an integer \(got "ten"\)/);
      assert.match(result.stderr, /bad\.toml/);
    }
  });

  test('an unknown flag: exit 2 naming it', async () => {
    for (const args of [['publish', '--nope'], ['--nope', 'tail'], ['tail', '--jsonn']]) {
      const result = await runTidings(args, { env: { TIDINGS_URL: server.url } });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`unknown option '${args.find((arg) => arg.startsWith('--'))}'`));
    }
  });
});
