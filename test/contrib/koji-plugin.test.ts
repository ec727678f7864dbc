/**
 * contrib/koji: the Koji hub plugin's own tests (Python's unittest) run against a real `tidings serve`,
 * through an identity made as contrib/koji/README.md says, so that they run with the rest of the suite.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cleanup, makeTempDir, Proc, REPO, runTidings, startServe, type Server } from '../helpers/processes.js';
import { requireProgram } from '../helpers/programs.js';

const PYTHON = '/usr/bin/python3';
requireProgram(PYTHON, 'apt-get install -y python3');
const TESTS = 'contrib/koji/test_tidings_koji.py';

/** Our environment without Tidings settings or the test runner's markers, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TIDINGS_') && key !== 'NODE_OPTIONS' && key !== 'NODE_TEST_CONTEXT') env[key] = value;
  }
  // No __pycache__ left in the source tree.
  return { ...env, PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

async function unittest(env: Record<string, string>): Promise<Proc> {
  const child = spawn(PYTHON, ['-m', 'unittest', '-v', TESTS], { cwd: REPO, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc(`${PYTHON} -m unittest -v ${TESTS}`, child);
  await proc.waitForExit(150_000);
  return proc;
}

/** Everything the run printed: unittest reports on stderr, and a failure's traceback is long. */
const output = (proc: Proc): string => `exit ${proc.exit?.code} (signal ${proc.exit?.signal})\n--- stdout\n${proc.stdout}\n--- stderr\n${proc.stderr}`;

describe('the Koji hub plugin (contrib/koji) against a real tidings serve', { timeout: 200_000 }, () => {
  let serve: Server;
  let token: string;

  before(async () => {
    const data = join(makeTempDir('tidings-koji-plugin-'), 'data');
    serve = await startServe(data);
    const created = await runTidings(['identity', 'create', 'koji', '--topics', 'org.fedoraproject.prod.buildsys.#', '--data', data]);
    assert.equal(created.code, 0, created.stderr);
    token = created.stdout.trim();
  });
  after(async () => {
    await cleanup();
  });

  test('its Python tests pass: every callback, the spool, resending in order, rejections, two senders', async () => {
    const run = await unittest({ TIDINGS_KOJI_TEST_URL: serve.url, TIDINGS_KOJI_TEST_TOKEN: token });
    assert.equal(run.exit?.code, 0, output(run));
    assert.match(run.stderr, /^Ran (\d+) tests? in /m);
    assert.match(run.stderr, /\nOK\n/);
    assert.doesNotMatch(run.stderr, /skipped/);
  });

  test('without a serve to test against, the Python tests fail and say what to set', async () => {
    const run = await unittest({});
    assert.equal(run.exit?.code, 1, output(run));
    assert.match(run.stderr, /set TIDINGS_KOJI_TEST_URL .* and TIDINGS_KOJI_TEST_TOKEN/);
  });
});
