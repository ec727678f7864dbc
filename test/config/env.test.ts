import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDataDir, loadConfig } from '../../src/config/index.js';
import { configError, HOME_ONLY } from './helpers.js';

test('each TIDINGS_* variable sets its key', () => {
  const config = loadConfig({
    env: {
      ...HOME_ONLY,
      TIDINGS_URL: 'http://hub.example.org:8780',
      TIDINGS_AMQP_URL: 'amqps://broker.example.org/',
      TIDINGS_PUBLISH_EXCHANGE: 'tidings',
      TIDINGS_TOPIC_PREFIX: 'org.example.stg',
      TIDINGS_PUBLISH_TIMEOUT: '2.5',
      TIDINGS_MAX_MESSAGE_BYTES: '2048',
      TIDINGS_LOG_LEVEL: 'trace',
      TIDINGS_LISTEN: '[::]:8781',
      TIDINGS_DATA: '/srv/tidings',
      TIDINGS_DURABILITY: 'full',
    },
  });
  assert.equal(config.url, 'http://hub.example.org:8780');
  assert.equal(config.amqp_url, 'amqps://broker.example.org/');
  assert.equal(config.publish_exchange, 'tidings');
  assert.equal(config.topic_prefix, 'org.example.stg');
  assert.equal(config.publish_timeout, 2.5);
  assert.equal(config.max_message_bytes, 2048);
  assert.equal(config.log_level, 'trace');
  assert.deepEqual(config.serve, { listen: '[::]:8781', data_dir: '/srv/tidings', durability: 'full', tls_cert: null, tls_key: null });
});

test('empty variables count as unset', () => {
  const config = loadConfig({
    env: { ...HOME_ONLY, TIDINGS_URL: '', TIDINGS_PUBLISH_TIMEOUT: '', TIDINGS_LOG_LEVEL: '', TIDINGS_LISTEN: '' },
  });
  assert.equal(config.url, 'http://127.0.0.1:8780');
  assert.equal(config.publish_timeout, 30);
  assert.equal(config.log_level, 'info');
  assert.equal(config.serve.listen, '127.0.0.1:8780');
});

test('numbers may carry surrounding spaces', () => {
  const config = loadConfig({ env: { ...HOME_ONLY, TIDINGS_PUBLISH_TIMEOUT: ' 12 ', TIDINGS_MAX_MESSAGE_BYTES: '4096\n' } });
  assert.equal(config.publish_timeout, 12);
  assert.equal(config.max_message_bytes, 4096);
});

test('a publish timeout that is not a positive number names the variable', () => {
  const error = configError(() => loadConfig({ env: { ...HOME_ONLY, TIDINGS_PUBLISH_TIMEOUT: 'abc' } }));
  assert.equal(error.key, 'TIDINGS_PUBLISH_TIMEOUT');
  assert.equal(error.message, 'TIDINGS_PUBLISH_TIMEOUT must be a number of seconds > 0, got "abc"');

  for (const value of ['0', '-3', '0x10', 'Infinity', '30s']) {
    const bad = configError(() => loadConfig({ env: { ...HOME_ONLY, TIDINGS_PUBLISH_TIMEOUT: value } }));
    assert.equal(bad.key, 'TIDINGS_PUBLISH_TIMEOUT', value);
    assert.ok(bad.message.endsWith(`got ${JSON.stringify(value)}`), bad.message);
  }
});

test('every other bad value names its variable', () => {
  const cases: Array<[string, string]> = [
    ['TIDINGS_MAX_MESSAGE_BYTES', '1.5'],
    ['TIDINGS_MAX_MESSAGE_BYTES', '1k'],
    ['TIDINGS_MAX_MESSAGE_BYTES', '100'],
    ['TIDINGS_LOG_LEVEL', 'loud'],
    ['TIDINGS_LISTEN', 'localhost'],
    ['TIDINGS_LISTEN', '127.0.0.1:70000'],
    ['TIDINGS_DURABILITY', 'paranoid'],
    ['TIDINGS_URL', 'ftp://example.org'],
    ['TIDINGS_AMQP_URL', 'http://example.org'],
    ['TIDINGS_TOPIC_PREFIX', 'org.#'],
  ];
  for (const [name, value] of cases) {
    const error = configError(() => loadConfig({ env: { ...HOME_ONLY, [name]: value } }));
    assert.equal(error.key, name, `${name}=${value}`);
    assert.ok(error.message.startsWith(`${name} must be `), error.message);
    assert.ok(error.message.endsWith(`, got ${JSON.stringify(value)}`), error.message);
  }
});

test('a bad log level lists the levels there are', () => {
  const error = configError(() => loadConfig({ env: { ...HOME_ONLY, TIDINGS_LOG_LEVEL: 'verbose' } }));
  assert.equal(
    error.message,
    'TIDINGS_LOG_LEVEL must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
  );
});

test('the data directory follows XDG_DATA_HOME, then HOME', () => {
  assert.equal(defaultDataDir({ XDG_DATA_HOME: '/xdg/data', HOME: '/home/a' }), '/xdg/data/tidings');
  assert.equal(defaultDataDir({ XDG_DATA_HOME: '', HOME: '/home/a' }), '/home/a/.local/share/tidings');
  // The XDG base directory spec says relative paths are invalid and must be ignored.
  assert.equal(defaultDataDir({ XDG_DATA_HOME: 'relative/data', HOME: '/home/a' }), '/home/a/.local/share/tidings');
  assert.equal(loadConfig({ env: { XDG_DATA_HOME: '/xdg/data', HOME: '/home/a' } }).serve.data_dir, '/xdg/data/tidings');
});
