import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { configError, HOME_ONLY, tempPath, writeConfig } from './helpers.js';

test('a value of the wrong type names its dotted key, what it must be, and what it was', () => {
  const file = writeConfig('[qos]\nprefetch_count = "ten"\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'qos.prefetch_count');
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.equal(error.name, 'ConfigError');
  assert.ok(error instanceof Error);
  assert.equal(error.message, `config error in ${file}: "qos.prefetch_count" must be an integer (got "ten")`);
});

test('an unknown key is named, with the closest known key suggested', () => {
  const file = writeConfig('publish_exchang = "amq.topic"\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'publish_exchang');
  assert.equal(error.message, `config error in ${file}: unknown key "publish_exchang" (did you mean "publish_exchange"?)`);
});

test('an unknown key inside a table is named with its table', () => {
  const file = writeConfig('[qos]\nprefetch_cont = 5\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'qos.prefetch_cont');
  assert.match(error.message, /did you mean "qos\.prefetch_count"\?/);
});

test('an unknown key far from every known key lists the known ones instead', () => {
  const file = writeConfig('[tls]\npassword = "hunter2"\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'tls.password');
  assert.doesNotMatch(error.message, /did you mean/);
  assert.match(error.message, /known keys here: ca_cert, certfile, keyfile/);
});

test('keys of entries with dots in their names are quoted as in TOML', () => {
  const file = writeConfig('[exchanges."amq.topic"]\ndurable = "yes"\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'exchanges."amq.topic".durable');
  assert.match(error.message, /must be true or false \(got "yes"\)/);
});

test('problems in a list of bindings name the item by its index', () => {
  const file = writeConfig(`
[[bindings]]
queue = "a"
routing_keys = ["a.#"]
[[bindings]]
queue = "b"
routing_keys = "b.#"
`);
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'bindings[1].routing_keys');
  assert.match(error.message, /must be a list \(got "b\.#"\)/);
});

test('a binding without a queue is reported as missing that key', () => {
  const file = writeConfig('[[bindings]]\nrouting_keys = ["#"]\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'bindings[0].queue');
  assert.match(error.message, /"bindings\[0\]\.queue" is missing/);
});

test('a binding with no routing keys is refused', () => {
  const file = writeConfig('[[bindings]]\nqueue = "a"\nrouting_keys = []\n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, 'bindings[0].routing_keys');
  assert.match(error.message, /non-empty list of routing keys .*\(got an empty list\)/);
});

test('a bad listen address names serve.listen', () => {
  for (const listen of ['127.0.0.1', '127.0.0.1:65536', ':8780', '::1:8780']) {
    const file = writeConfig(`[serve]\nlisten = "${listen}"\n`);
    const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
    assert.equal(error.key, 'serve.listen', listen);
    assert.match(error.message, /HOST:PORT/);
  }
});

test('a negative or zero publish timeout names publish_timeout', () => {
  for (const value of ['-1', '0', '-0.5']) {
    const file = writeConfig(`publish_timeout = ${value}\n`);
    const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
    assert.equal(error.key, 'publish_timeout');
    assert.match(error.message, /"publish_timeout" must be a number of seconds > 0/);
  }
});

test('TOML infinity and nan are not numbers here', () => {
  for (const value of ['inf', 'nan']) {
    const error = configError(() => loadConfig({ file: writeConfig(`publish_timeout = ${value}\n`), env: HOME_ONLY }));
    assert.equal(error.key, 'publish_timeout');
  }
});

test('values out of range, off the list, or in the wrong form are refused with their key', () => {
  const cases: Array<[string, string]> = [
    ['max_message_bytes = 1023', 'max_message_bytes'],
    ['max_message_bytes = 2048.5', 'max_message_bytes'],
    ['publish_priority = 256', 'publish_priority'],
    ['log_level = "verbose"', 'log_level'],
    ['url = "ftp://example.org"', 'url'],
    ['amqp_url = "http://example.org"', 'amqp_url'],
    ['callback = "handlers.js"', 'callback'],
    ['topic_prefix = "org.*"', 'topic_prefix'],
    ['[qos]\nprefetch_count = 70000', 'qos.prefetch_count'],
    ['[serve]\ndurability = "paranoid"', 'serve.durability'],
    ['[client_properties]\napp = 1', 'client_properties.app'],
    ['qos = 10', 'qos'],
  ];
  for (const [toml, key] of cases) {
    const error = configError(() => loadConfig({ file: writeConfig(toml), env: HOME_ONLY }));
    assert.equal(error.key, key, toml);
  }
});

test('a TOML syntax error gives the file, the line and the column', () => {
  const file = writeConfig('url = "http://127.0.0.1:8780"\n[qos]\nprefetch_count = \n');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, null);
  assert.match(error.message, new RegExp(`^config error in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line 3, column \\d+: `));
});

test('a missing file is named with the reason', () => {
  const file = tempPath('does-not-exist.toml');
  const error = configError(() => loadConfig({ file, env: HOME_ONLY }));
  assert.equal(error.key, null);
  assert.ok(error.message.includes(file), error.message);
  assert.match(error.message, /no such file \(ENOENT\)/);
  assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
});

test('a missing file named by TIDINGS_CONFIG names that variable', () => {
  const file = tempPath('also-missing.toml');
  const error = configError(() => loadConfig({ env: { ...HOME_ONLY, TIDINGS_CONFIG: file } }));
  assert.equal(error.key, 'TIDINGS_CONFIG');
  assert.ok(error.message.includes(file), error.message);
  assert.match(error.message, /from TIDINGS_CONFIG/);
});

test('a directory given as the file is refused with the reason', () => {
  const directory = tempPath('a-directory.toml');
  mkdirSync(directory);
  const error = configError(() => loadConfig({ file: directory, env: HOME_ONLY }));
  assert.match(error.message, /EISDIR/);
});

test('overrides are validated like the file and named by their config key', () => {
  const error = configError(() =>
    loadConfig({ env: HOME_ONLY, overrides: { qos: { prefetch_count: -1 } } }),
  );
  assert.equal(error.key, 'qos.prefetch_count');
  assert.match(error.message, /^config error in command-line options: "qos\.prefetch_count" must be an integer from 0 to 65535 \(got -1\)$/);

  const badListen = configError(() => loadConfig({ env: HOME_ONLY, overrides: { serve: { listen: 'localhost' } } }));
  assert.equal(badListen.key, 'serve.listen');
});

test('an invalid file is reported even when the environment or overrides set the same key', () => {
  const file = writeConfig('publish_timeout = "soon"\n');
  const error = configError(() =>
    loadConfig({ file, env: { ...HOME_ONLY, TIDINGS_PUBLISH_TIMEOUT: '3' }, overrides: { publish_timeout: 4 } }),
  );
  assert.equal(error.key, 'publish_timeout');
  assert.ok(error instanceof ConfigError);
});
