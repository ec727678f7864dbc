import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ExchangeConfig, QueueConfig, TidingsConfig } from './types.js';

export const DEFAULT_URL = 'http://127.0.0.1:8780';
export const DEFAULT_LISTEN = '127.0.0.1:8780';

/** $XDG_DATA_HOME/tidings, else ~/.local/share/tidings (the XDG base directory rules). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_DATA_HOME'];
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'tidings');
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : homedir();
  return join(home, '.local', 'share', 'tidings');
}

/** A fresh copy of the defaults each call, so a caller may change what it gets. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): TidingsConfig {
  return {
    url: DEFAULT_URL,
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
    serve: { listen: DEFAULT_LISTEN, data_dir: defaultDataDir(env), durability: 'normal', tls_cert: null, tls_key: null },
    database_url: null,
    archive: { enabled: true, default_window: 7 * 24 * 3600, retention_days: null },
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
}

export function defaultExchange(): ExchangeConfig {
  return { type: 'topic', durable: true, auto_delete: false, arguments: {} };
}

export function defaultQueue(): QueueConfig {
  return { durable: true, auto_delete: false, exclusive: false, arguments: {} };
}
