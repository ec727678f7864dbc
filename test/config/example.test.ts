import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, EXAMPLE_CONFIG, loadConfig } from '../../src/config/index.js';
import { HOME_ONLY, writeConfig } from './helpers.js';

test('the example config loads and gives exactly the defaults', () => {
  const config = loadConfig({ file: writeConfig(EXAMPLE_CONFIG), env: HOME_ONLY });
  assert.deepEqual(config, defaultConfig(HOME_ONLY));
  assert.deepEqual(config, loadConfig({ env: HOME_ONLY }));
});

test('the example mentions every key', () => {
  const keys = [
    ...Object.keys(defaultConfig(HOME_ONLY)),
    'prefetch_size', 'prefetch_count', 'ca_cert', 'certfile', 'keyfile', 'listen', 'data_dir', 'durability',
    'type', 'durable', 'auto_delete', 'exclusive', 'arguments', 'queue', 'exchange', 'routing_keys',
  ];
  for (const key of keys) {
    assert.match(EXAMPLE_CONFIG, new RegExp(`^(# )?(${key} =|\\[{1,2}${key}[\\].])`, 'm'), key);
  }
});

test('the settings the example leaves commented out are valid when uncommented', () => {
  const uncommented = EXAMPLE_CONFIG.replace(/^# (\[.*\]|[a-z_]+ = .*)$/gm, '$1');
  assert.notEqual(uncommented, EXAMPLE_CONFIG);
  const config = loadConfig({ file: writeConfig(uncommented), env: HOME_ONLY });
  assert.equal(config.url, 'http://127.0.0.1:8780');
  assert.equal(config.amqp_url, 'amqp://guest:guest@localhost:5672/%2F');
  assert.equal(config.publish_priority, 0);
  assert.equal(config.callback, './handlers.js:onMessage');
  assert.deepEqual(config.exchanges, { 'amq.topic': { type: 'topic', durable: true, auto_delete: false, arguments: {} } });
  assert.deepEqual(config.queues, { 'my.queue': { durable: true, auto_delete: false, exclusive: false, arguments: {} } });
  assert.deepEqual(config.bindings, [{ queue: 'my.queue', exchange: 'amq.topic', routing_keys: ['org.example.#'] }]);
  assert.equal(config.tls.certfile, '/etc/tidings/cert.pem');
  assert.equal(config.serve.data_dir, '/var/lib/tidings');
});
