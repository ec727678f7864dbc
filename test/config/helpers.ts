import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tidings-config-'));
after(() => rmSync(directory, { recursive: true, force: true }));

let count = 0;

/** Writes `text` to a fresh .toml file in a temporary directory and returns its path. */
export function writeConfig(text: string): string {
  const path = join(directory, `config-${++count}.toml`);
  writeFileSync(path, text);
  return path;
}

export function tempPath(name: string): string {
  return join(directory, name);
}

/** An environment with nothing of the caller's: no TIDINGS_* leaks in from the shell running the tests. */
export const HOME_ONLY: NodeJS.ProcessEnv = { HOME: '/home/tester' };

/** Runs `action`, which must throw a ConfigError, and returns it. */
export function configError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError, but nothing was thrown');
}
