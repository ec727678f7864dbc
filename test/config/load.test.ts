import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type TidingsConfig } from '../../src/config/index.js';
import { HOME_ONLY, writeConfig } from './helpers.js';

const DEFAULTS: TidingsConfig = {
  url: 'http://127.0.0.1:8780',
  amqp_url: null,
  publish_exchange: 'amq.topic',
  topic_prefix: '',
  publish_priority: null,
  publish_timeout: 30,
  passive_declares: false,
  max_message_bytes: 1048576,
  client_properties: {},
  exchanges: {},
  queues: {},
  bindings: [],
  qos: { prefetch_size: 0, prefetch_count: 10 },
  callback: null,
  consumer_config: {},
  tls: { ca_cert: null, certfile: null, keyfile: null },
  log_config: {},
  log_level: 'info',
  serve: { listen: '127.0.0.1:8780', data_dir: '/home/tester/.local/share/tidings', durability: 'normal', tls_cert: null, tls_key: null },
  database_url: null,
  archive: { enabled: true, default_window: 604800, retention_days: null },
  gateway: { rate_per_minute: 6000, max_depth: 64, cors_origins: [], hub_access: 'loopback' },
  notify: {
    enabled: true,
    public_url: null,
    email: { smtp_url: null, from: 'Tidings <tidings@localhost>' },
    irc: { server: null, nick: 'tidings', password: null, lines_per_second: 2 },
    matrix: { homeserver: null, access_token: null },
    webhook: { timeout: 10 },
    auth: { oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null, oidc_username_claim: 'preferred_username', dev_login: null, session_hours: 168, admins: [] },
  },
  manage: {
    enabled: true,
    interval: 10,
    management_url: null,
    operators: [],
    admins: [],
    metrics_max_queues: 200,
    consumer_timeout: 1800,
    events: true,
    object_events: false,
    defaults: {
      no_consumer_seconds: 300,
      no_progress_minutes: 10,
      redelivery_loop: 1,
      ack_timeout_share: 0.8,
      growing_minutes: 15,
      max_ready: null,
      max_dead_letters: 0,
      sustain_seconds: 60,
      clear_margin: 0.1,
    },
    queues: [],
    publishers: [],
  },
};

const FEDORA_MESSAGING_CONFIG = `
amqp_url = "amqps://fedora:secret@rabbitmq.fedoraproject.org/%2Fpublic_pubsub"
callback = "./handlers.js:printer"
passive_declares = true
publish_exchange = "amq.topic"
topic_prefix = "org.fedoraproject.prod"
publish_priority = 5

[tls]
ca_cert = "/etc/fedora-messaging/cacert.pem"
keyfile = "/etc/fedora-messaging/fedora-key.pem"
certfile = "/etc/fedora-messaging/fedora-cert.pem"

[client_properties]
app = "Example Application"
app_contacts_email = "admin@example.org"

[exchanges."amq.topic"]
type = "topic"
durable = true
auto_delete = false
arguments = {}

[queues."my.queue"]
durable = true
auto_delete = false
exclusive = false
arguments = { "x-max-priority" = 10 }

[[bindings]]
queue = "my.queue"
exchange = "amq.topic"
routing_keys = ["org.fedoraproject.prod.buildsys.#", "org.fedoraproject.prod.bodhi.#"]

[consumer_config]
example_key = "for my consumer"
[consumer_config.limits]
retries = 3

[qos]
prefetch_size = 0
prefetch_count = 25

[monitoring]
port = 8070

[log_config]
version = 1
disable_existing_loggers = true

[log_config.formatters.simple]
format = "[%(levelname)s %(name)s] %(message)s"

[log_config.loggers.fedora_messaging]
level = "INFO"
propagate = false
handlers = ["console"]
`;

test('with no file and no variables, every key has its default', () => {
  assert.deepEqual(loadConfig({ env: HOME_ONLY }), DEFAULTS);
});

test('an empty file gives the defaults', () => {
  assert.deepEqual(loadConfig({ file: writeConfig(''), env: HOME_ONLY }), DEFAULTS);
});

test('a fedora-messaging config.toml loads, amqp_url becoming the bus', () => {
  const config = loadConfig({ file: writeConfig(FEDORA_MESSAGING_CONFIG), env: HOME_ONLY });
  assert.equal(config.url, 'amqps://fedora:secret@rabbitmq.fedoraproject.org/%2Fpublic_pubsub');
  assert.equal(config.amqp_url, config.url);
  assert.equal(config.callback, './handlers.js:printer');
  assert.equal(config.passive_declares, true);
  assert.equal(config.topic_prefix, 'org.fedoraproject.prod');
  assert.equal(config.publish_priority, 5);
  assert.deepEqual(config.tls, {
    ca_cert: '/etc/fedora-messaging/cacert.pem',
    keyfile: '/etc/fedora-messaging/fedora-key.pem',
    certfile: '/etc/fedora-messaging/fedora-cert.pem',
  });
  assert.deepEqual(config.client_properties, { app: 'Example Application', app_contacts_email: 'admin@example.org' });
  assert.deepEqual(config.exchanges, { 'amq.topic': { type: 'topic', durable: true, auto_delete: false, arguments: {} } });
  assert.deepEqual(config.queues, {
    'my.queue': { durable: true, auto_delete: false, exclusive: false, arguments: { 'x-max-priority': 10 } },
  });
  assert.deepEqual(config.bindings, [
    {
      queue: 'my.queue',
      exchange: 'amq.topic',
      routing_keys: ['org.fedoraproject.prod.buildsys.#', 'org.fedoraproject.prod.bodhi.#'],
    },
  ]);
  assert.deepEqual(config.consumer_config, { example_key: 'for my consumer', limits: { retries: 3 } });
  assert.deepEqual(config.qos, { prefetch_size: 0, prefetch_count: 25 });
  assert.deepEqual(config.log_config, {
    version: 1,
    disable_existing_loggers: true,
    formatters: { simple: { format: '[%(levelname)s %(name)s] %(message)s' } },
    loggers: { fedora_messaging: { level: 'INFO', propagate: false, handlers: ['console'] } },
  });
  assert.equal(Object.hasOwn(config, 'monitoring'), false, 'fedora-messaging [monitoring] is accepted but not kept');
});

test('exchange and queue entries get defaults for what they leave out; bindings default to publish_exchange', () => {
  const file = writeConfig(`
publish_exchange = "tidings"
[exchanges.tidings]
[exchanges."dead.letters"]
type = "fanout"
[queues.archive]
exclusive = true
[[bindings]]
queue = "archive"
routing_keys = ["#"]
[[bindings]]
queue = "archive"
exchange = "dead.letters"
routing_keys = ["#"]
`);
  const config = loadConfig({ file, env: HOME_ONLY });
  assert.deepEqual(config.exchanges, {
    tidings: { type: 'topic', durable: true, auto_delete: false, arguments: {} },
    'dead.letters': { type: 'fanout', durable: true, auto_delete: false, arguments: {} },
  });
  assert.deepEqual(config.queues, { archive: { durable: true, auto_delete: false, exclusive: true, arguments: {} } });
  assert.deepEqual(
    config.bindings.map((binding) => binding.exchange),
    ['tidings', 'dead.letters'],
  );
});

test('TIDINGS_CONFIG names the file when none is given; a given file wins over it', () => {
  const fromEnv = writeConfig('topic_prefix = "from.env.file"');
  const given = writeConfig('topic_prefix = "from.given.file"');
  const env = { ...HOME_ONLY, TIDINGS_CONFIG: fromEnv };
  assert.equal(loadConfig({ env }).topic_prefix, 'from.env.file');
  assert.equal(loadConfig({ file: null, env }).topic_prefix, 'from.env.file');
  assert.equal(loadConfig({ file: given, env }).topic_prefix, 'from.given.file');
  assert.equal(loadConfig({ env: { ...HOME_ONLY, TIDINGS_CONFIG: '' } }).topic_prefix, '');
});

test('the environment wins over the file, and overrides win over both', () => {
  const file = writeConfig(`
publish_timeout = 5
log_level = "warn"
topic_prefix = "file"
[serve]
listen = "0.0.0.0:9000"
durability = "full"
`);
  const env = { ...HOME_ONLY, TIDINGS_PUBLISH_TIMEOUT: '7', TIDINGS_LOG_LEVEL: 'debug', TIDINGS_LISTEN: '127.0.0.1:9001' };

  const fileOnly = loadConfig({ file, env: HOME_ONLY });
  assert.deepEqual([fileOnly.publish_timeout, fileOnly.log_level, fileOnly.serve.listen], [5, 'warn', '0.0.0.0:9000']);

  const withEnv = loadConfig({ file, env });
  assert.deepEqual([withEnv.publish_timeout, withEnv.log_level, withEnv.serve.listen], [7, 'debug', '127.0.0.1:9001']);
  assert.equal(withEnv.topic_prefix, 'file', 'a key the environment leaves alone keeps the file value');
  assert.equal(withEnv.serve.durability, 'full', 'a table is merged key by key, not replaced');

  const withOverrides = loadConfig({ file, env, overrides: { publish_timeout: 9, serve: { listen: '[::1]:9002' } } });
  assert.deepEqual(
    [withOverrides.publish_timeout, withOverrides.log_level, withOverrides.serve.listen, withOverrides.serve.durability],
    [9, 'debug', '[::1]:9002', 'full'],
  );
});

test('overrides left undefined (flags not given) change nothing', () => {
  const file = writeConfig('publish_timeout = 5');
  const config = loadConfig({ file, env: HOME_ONLY, overrides: { publish_timeout: undefined, serve: { listen: undefined } } });
  assert.equal(config.publish_timeout, 5);
  assert.equal(config.serve.listen, '127.0.0.1:8780');
});

test('overrides replace lists whole and merge tables key by key', () => {
  const file = writeConfig(`
[qos]
prefetch_size = 4096
[[bindings]]
queue = "a"
routing_keys = ["a.#"]
`);
  const config = loadConfig({
    file,
    env: HOME_ONLY,
    overrides: { qos: { prefetch_count: 1 }, bindings: [{ queue: 'b', routing_keys: ['b.#'] }] },
  });
  assert.deepEqual(config.qos, { prefetch_size: 4096, prefetch_count: 1 });
  assert.deepEqual(config.bindings, [{ queue: 'b', exchange: 'amq.topic', routing_keys: ['b.#'] }]);
});

test('amqp_url becomes the url only when url is given nowhere', () => {
  const amqp = 'amqp://guest:guest@broker:5672/%2F';
  const amqpOnly = writeConfig(`amqp_url = "${amqp}"`);
  const both = writeConfig(`amqp_url = "${amqp}"\nurl = "http://hub:8780"`);

  assert.equal(loadConfig({ file: amqpOnly, env: HOME_ONLY }).url, amqp);
  assert.equal(loadConfig({ env: { ...HOME_ONLY, TIDINGS_AMQP_URL: amqp } }).url, amqp);
  assert.equal(loadConfig({ file: both, env: HOME_ONLY }).url, 'http://hub:8780');
  assert.equal(loadConfig({ file: amqpOnly, env: { ...HOME_ONLY, TIDINGS_URL: 'http://env-hub:1' } }).url, 'http://env-hub:1');
  assert.equal(loadConfig({ file: amqpOnly, env: HOME_ONLY, overrides: { url: 'http://flag-hub:2' } }).url, 'http://flag-hub:2');
  // Set explicitly to the default value still counts as given.
  assert.equal(loadConfig({ file: amqpOnly, env: HOME_ONLY, overrides: { url: 'http://127.0.0.1:8780' } }).url, 'http://127.0.0.1:8780');
});

test('each call returns a fresh object', () => {
  const first = loadConfig({ env: HOME_ONLY });
  first.qos.prefetch_count = 1;
  first.bindings.push({ queue: 'q', exchange: 'x', routing_keys: ['#'] });
  assert.deepEqual(loadConfig({ env: HOME_ONLY }), DEFAULTS);
});

test('a "__proto__" key in a free-form table stays a key', () => {
  const file = writeConfig('[consumer_config]\n"__proto__" = { polluted = true }\n');
  const config = loadConfig({ file, env: HOME_ONLY });
  assert.deepEqual(Object.keys(config.consumer_config), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((config.consumer_config as Record<string, unknown>)['polluted'], undefined);
});
