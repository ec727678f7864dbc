/**
 * The JSON Schema of a configuration file (and of the overrides given by command-line flags).
 * Every key is optional; defaults are filled in afterwards. A `description` completes the sentence
 * `"key" must be …` in error messages, so it is written for the user, not for a reader of the schema.
 */
import { DURABILITIES, LOG_LEVELS } from './types.js';

export type JsonSchema = Record<string, unknown>;

/** Custom formats, registered with Ajv in validate.ts. */
export const Formats = {
  busUrl: 'tidings-bus-url',
  amqpUrl: 'tidings-amqp-url',
  listen: 'tidings-listen',
} as const;

const anyTable: JsonSchema = { type: 'object', description: 'a table' };
const path: JsonSchema = { type: ['string', 'null'], minLength: 1, description: 'a file path' };

const exchangeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1, description: 'an exchange type such as "topic", "fanout", "direct" or "headers"' },
    durable: { type: 'boolean' },
    auto_delete: { type: 'boolean' },
    arguments: anyTable,
  },
};

const queueSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    durable: { type: 'boolean' },
    auto_delete: { type: 'boolean' },
    exclusive: { type: 'boolean' },
    arguments: anyTable,
  },
};

const bindingSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['queue', 'routing_keys'],
  properties: {
    queue: { type: 'string', description: 'a queue name' },
    exchange: { type: 'string', description: 'an exchange name' },
    routing_keys: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, description: 'a routing key such as "org.example.#"' },
      description: 'a non-empty list of routing keys such as ["org.example.#"]',
    },
  },
};

/** The alert thresholds, as [manage.defaults] and each [[manage.queues]] entry write them. */
const THRESHOLDS = {
  no_consumer_seconds: { type: 'number', minimum: 0, description: 'a number of seconds' },
  no_progress_minutes: { type: 'number', exclusiveMinimum: 0, description: 'a number of minutes' },
  redelivery_loop: { type: 'number', exclusiveMinimum: 0, description: 'redeliveries a second' },
  ack_timeout_share: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'a share from 0 to 1' },
  growing_minutes: { type: 'number', exclusiveMinimum: 0, description: 'a number of minutes' },
  max_ready: { type: ['integer', 'null'], minimum: 0, description: 'a number of messages' },
  max_dead_letters: { type: 'integer', minimum: 0, description: 'a number of messages' },
  sustain_seconds: { type: 'number', minimum: 0, description: 'a number of seconds' },
  clear_margin: { type: 'number', minimum: 0, maximum: 1, description: 'a share from 0 to 1' },
};

export const CONFIG_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    url: {
      type: 'string',
      format: Formats.busUrl,
      description: 'the URL of the bus: http://HOST:PORT (a tidings serve hub) or amqp(s)://… (a broker)',
    },
    amqp_url: {
      type: ['string', 'null'],
      format: Formats.amqpUrl,
      description: 'an amqp:// or amqps:// URL',
    },
    publish_exchange: { type: 'string', description: 'an exchange name' },
    topic_prefix: {
      type: 'string',
      pattern: '^[^\\s*#]*$',
      description: 'a topic prefix such as "org.fedoraproject.prod" (no spaces, no * or #)',
    },
    publish_priority: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: 255,
      description: 'an integer from 0 to 255',
    },
    publish_timeout: { type: 'number', exclusiveMinimum: 0, description: 'a number of seconds > 0' },
    passive_declares: { type: 'boolean' },
    max_message_bytes: { type: 'integer', minimum: 1024, description: 'an integer number of bytes >= 1024' },
    client_properties: {
      type: 'object',
      additionalProperties: { type: 'string', description: 'a string' },
    },
    exchanges: { type: 'object', additionalProperties: exchangeSchema },
    queues: { type: 'object', additionalProperties: queueSchema },
    bindings: { type: 'array', items: bindingSchema },
    qos: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // The AMQP field widths: prefetch-size is a long, prefetch-count a short.
        prefetch_size: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'an integer number of bytes from 0 (no limit) to 4294967295' },
        prefetch_count: { type: 'integer', minimum: 0, maximum: 65535, description: 'an integer from 0 to 65535' },
      },
    },
    callback: {
      type: ['string', 'null'],
      pattern: '^.+:[A-Za-z_$][A-Za-z0-9_$]*$',
      description: 'FILE:EXPORT, e.g. "./handlers.js:onMessage"',
    },
    consumer_config: { type: 'object' },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: { ca_cert: path, certfile: path, keyfile: path },
    },
    // fedora-messaging configs carry a logging.config dict and a [monitoring] table; both are
    // accepted so those files load unchanged, and neither is used.
    log_config: {},
    monitoring: { type: 'object' },
    // A mirror agent's settings (tidings mirror agent), read and checked by the agent itself.
    agent: { type: 'object', description: 'a table of mirror agent settings' },
    log_level: { type: 'string', enum: [...LOG_LEVELS] },
    serve: {
      type: 'object',
      additionalProperties: false,
      properties: {
        listen: {
          type: 'string',
          format: Formats.listen,
          description: 'HOST:PORT with a port from 0 to 65535, e.g. "127.0.0.1:8780" or "[::1]:8780"',
        },
        data_dir: { type: 'string', minLength: 1, description: 'a directory path' },
        durability: { type: 'string', enum: [...DURABILITIES] },
        tls_cert: path,
        tls_key: path,
      },
    },
    gateway: {
      type: 'object',
      additionalProperties: false,
      properties: {
        rate_per_minute: { type: 'integer', minimum: 1, description: 'a whole number of messages per minute >= 1' },
        max_depth: { type: 'integer', minimum: 2, maximum: 1000, description: 'a nesting depth from 2 to 1000' },
        cors_origins: { type: 'array', items: { type: 'string', pattern: '^https?://', description: 'an origin such as "https://apps.example.org"' } },
        hub_access: { type: 'string', enum: ['loopback', 'token'], description: '"loopback" (local clients need no token) or "token" (every client needs one)' },
      },
    },
    database_url: {
      type: ['string', 'null'],
      pattern: '^postgres(ql)?://',
      description: 'a postgresql://USER:PASSWORD@HOST:PORT/DATABASE URL',
    },
    archive: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        default_window: { type: 'integer', minimum: 60, description: 'a number of seconds >= 60' },
        retention_days: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'a number of days > 0' },
      },
    },
    notify: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        public_url: { type: ['string', 'null'], pattern: '^https?://', description: 'the URL people reach serve at, e.g. "https://tidings.example.org"' },
        email: {
          type: 'object',
          additionalProperties: false,
          properties: {
            smtp_url: { type: ['string', 'null'], pattern: '^smtps?://', description: 'an smtp://HOST:PORT or smtps://USER:PASSWORD@HOST:PORT URL' },
            from: { type: 'string', minLength: 3, description: 'a From address such as "Tidings <tidings@example.org>"' },
          },
        },
        irc: {
          type: 'object',
          additionalProperties: false,
          properties: {
            server: { type: ['string', 'null'], pattern: '^ircs?://', description: 'an irc://HOST:PORT or ircs://HOST:PORT URL' },
            nick: { type: 'string', pattern: '^[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]{0,29}$', description: 'an IRC nickname' },
            password: { type: ['string', 'null'] },
            lines_per_second: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: 'a number of lines a second from 0 to 100' },
          },
        },
        matrix: {
          type: 'object',
          additionalProperties: false,
          properties: {
            homeserver: { type: ['string', 'null'], pattern: '^https?://', description: 'the homeserver URL, e.g. "https://matrix.example.org"' },
            access_token: { type: ['string', 'null'], minLength: 1, description: "the bot's access token" },
          },
        },
        webhook: {
          type: 'object',
          additionalProperties: false,
          properties: { timeout: { type: 'number', exclusiveMinimum: 0, maximum: 300, description: 'a number of seconds from 0 to 300' } },
        },
        auth: {
          type: 'object',
          additionalProperties: false,
          properties: {
            oidc_issuer: { type: ['string', 'null'], pattern: '^https?://', description: 'the OpenID Connect issuer URL' },
            oidc_client_id: { type: ['string', 'null'], minLength: 1 },
            oidc_client_secret: { type: ['string', 'null'], minLength: 1 },
            oidc_username_claim: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$', description: 'a claim name such as preferred_username' },
            dev_login: { type: ['boolean', 'null'] },
            session_hours: { type: 'number', exclusiveMinimum: 0, maximum: 8760, description: 'a number of hours up to 8760' },
            admins: { type: 'array', items: { type: 'string', minLength: 1, description: 'an account name' } },
          },
        },
      },
    },
    manage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        interval: { type: 'number', minimum: 1, maximum: 3600, description: 'a number of seconds from 1 to 3600' },
        management_url: { type: ['string', 'null'], pattern: '^https?://', description: 'the management API URL, e.g. "http://guest:guest@127.0.0.1:15672"' },
        operators: { type: 'array', items: { type: 'string', minLength: 1, description: 'an identity name' } },
        admins: { type: 'array', items: { type: 'string', minLength: 1, description: 'an identity name' } },
        metrics_max_queues: { type: 'integer', minimum: 1, maximum: 10000, description: 'a number of queues from 1 to 10000' },
        consumer_timeout: { type: 'number', exclusiveMinimum: 0, description: 'a number of seconds' },
        events: { type: 'boolean' },
        object_events: { type: 'boolean' },
        defaults: { type: 'object', additionalProperties: false, properties: THRESHOLDS },
        queues: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['queue'], properties: { queue: { type: 'string', minLength: 1, description: 'a queue name or pattern' }, ...THRESHOLDS } },
        },
        publishers: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['prefix', 'quiet_minutes'],
            properties: {
              prefix: { type: 'string', pattern: '^[^.*#\\s]+(\\.[^.*#\\s]+)*$', description: 'a topic prefix of whole words, e.g. "buildsys"' },
              quiet_minutes: { type: 'number', exclusiveMinimum: 0, description: 'a number of minutes' },
            },
          },
        },
      },
    },
  },
};

/** The schema of the value at a path of keys (list indexes are skipped over), if the schema knows it. */
export function schemaAt(keys: readonly string[]): JsonSchema | undefined {
  let schema: JsonSchema | undefined = CONFIG_SCHEMA;
  for (const key of keys) {
    if (schema === undefined) return undefined;
    const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
    const additional = schema['additionalProperties'];
    const items = schema['items'] as JsonSchema | undefined;
    if (properties?.[key] !== undefined) schema = properties[key];
    else if (typeof additional === 'object' && additional !== null) schema = additional as JsonSchema;
    else if (items !== undefined && /^\d+$/.test(key)) schema = items;
    else return undefined;
  }
  return schema;
}
