export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DURABILITIES = ['normal', 'full'] as const;
export type Durability = (typeof DURABILITIES)[number];

export interface ExchangeConfig {
  type: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
}

export interface QueueConfig {
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
}

export interface BindingConfig {
  queue: string;
  exchange: string;
  routing_keys: string[];
}

export interface QosConfig {
  prefetch_size: number;
  prefetch_count: number;
}

export interface TlsConfig {
  ca_cert: string | null;
  certfile: string | null;
  keyfile: string | null;
}

export interface ServeConfig {
  /** "HOST:PORT"; IPv6 hosts in brackets ("[::1]:8780"). */
  listen: string;
  data_dir: string;
  durability: Durability;
  /** PEM certificate chain and key: serve over HTTPS. */
  tls_cert: string | null;
  tls_key: string | null;
}

export interface GatewayConfig {
  /** Messages a minute an identity may publish over HTTP, unless its own limit says otherwise. */
  rate_per_minute: number;
  /** How deeply a published message's JSON may nest. */
  max_depth: number;
  /** Origins browsers may call the API from; empty: no CORS. */
  cors_origins: string[];
  /** Who needs a token on the hub: clients from other machines ("loopback"), or all ("token"). */
  hub_access: 'loopback' | 'token';
}

export interface ArchiveConfig {
  /** Keep every message on the bus (tidings serve). */
  enabled: boolean;
  /** Seconds a query without start/delta looks back. */
  default_window: number;
  /** Days messages are kept; null keeps them forever. */
  retention_days: number | null;
}

export interface NotifyEmailConfig {
  /** `smtp://HOST:PORT` or `smtps://USER:PASSWORD@HOST:465`; null: no email is sent (email destinations wait). */
  smtp_url: string | null;
  /** The From address of every notification. */
  from: string;
}

export interface NotifyIrcConfig {
  /** `irc://HOST:PORT` or `ircs://HOST:PORT`; null: no IRC (IRC destinations wait). */
  server: string | null;
  nick: string;
  /** NickServ/SASL password, or the server password. */
  password: string | null;
  /** Lines a second sent to the server at most (servers drop floods). */
  lines_per_second: number;
}

export interface NotifyMatrixConfig {
  /** The homeserver's base URL, e.g. `https://matrix.example.org`; null: no Matrix. */
  homeserver: string | null;
  /** The notification bot's access token. */
  access_token: string | null;
}

export interface NotifyWebhookConfig {
  /** Seconds a webhook receiver has to answer. */
  timeout: number;
}

export interface NotifyAuthConfig {
  /** The OpenID Connect issuer URL; null offers the local development login instead. */
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  oidc_client_secret: string | null;
  /** The ID token claim that holds the account name (Fedora's provider: `nickname`). */
  oidc_username_claim: string;
  /**
   * The local development login (anyone types a name and is that person): null lets serve decide —
   * on when no issuer is set and serve listens on a loopback address only.
   */
  dev_login: boolean | null;
  /** Hours a login lasts. */
  session_hours: number;
  /** Accounts that may see and disable everyone's rules. */
  admins: string[];
}

export interface NotifyConfig {
  /** Match messages against people's rules and deliver notifications (tidings serve). */
  enabled: boolean;
  /** The URL people reach serve at, for links in notifications; null: serve's own listen address. */
  public_url: string | null;
  email: NotifyEmailConfig;
  irc: NotifyIrcConfig;
  matrix: NotifyMatrixConfig;
  webhook: NotifyWebhookConfig;
  auth: NotifyAuthConfig;
}

/** Alert thresholds, snake_case in the file; every one optional where it is a per-queue override. */
export interface ManageThresholdsConfig {
  no_consumer_seconds: number;
  no_progress_minutes: number;
  redelivery_loop: number;
  ack_timeout_share: number;
  growing_minutes: number;
  max_ready: number | null;
  max_dead_letters: number;
  sustain_seconds: number;
  clear_margin: number;
}

export type ManageQueueThresholdsConfig = Partial<ManageThresholdsConfig> & {
  /** A queue name or pattern (`*` one word, `#` zero or more). */
  queue: string;
};

export interface ManagePublisherConfig {
  /** A topic prefix, e.g. `buildsys` or `org.fedoraproject.prod.buildsys`. */
  prefix: string;
  quiet_minutes: number;
}

export interface ManageConfig {
  /** Watch the bus (tidings serve): snapshots, alerts, management events, /metrics. */
  enabled: boolean;
  /** Seconds between snapshots of the broker. */
  interval: number;
  /** RabbitMQ's management API; null: the bus URL's host on port 15672, same user. */
  management_url: string | null;
  /** Identities (token names) that may look inside dead letters, retry, discard, purge and move. */
  operators: string[];
  /** Identities that may also close connections and delete queues. */
  admins: string[];
  /** Queues with series of their own on /metrics (the worst first); the rest are summed. */
  metrics_max_queues: number;
  /** RabbitMQ's consumer_timeout in seconds, where a queue does not set x-consumer-timeout. */
  consumer_timeout: number;
  /** Publish the actionable management events on the bus: alerts raised and cleared, audited actions, refused connects. */
  events: boolean;
  /** Also publish every object's coming and going: connections, queues, exchanges, bindings, consumers. */
  object_events: boolean;
  defaults: ManageThresholdsConfig;
  queues: ManageQueueThresholdsConfig[];
  publishers: ManagePublisherConfig[];
}

/** The resolved configuration: every key present, defaults filled in. */
export interface TidingsConfig {
  /** The bus: 'http://host:port' (a `tidings serve` hub) or amqp(s)://… */
  url: string;
  /** fedora-messaging's key; becomes `url` when `url` is not given anywhere. */
  amqp_url: string | null;
  publish_exchange: string;
  topic_prefix: string;
  publish_priority: number | null;
  /** Seconds. */
  publish_timeout: number;
  passive_declares: boolean;
  max_message_bytes: number;
  client_properties: Record<string, string>;
  exchanges: Record<string, ExchangeConfig>;
  queues: Record<string, QueueConfig>;
  bindings: BindingConfig[];
  qos: QosConfig;
  /** 'FILE:EXPORT' */
  callback: string | null;
  consumer_config: Record<string, unknown>;
  tls: TlsConfig;
  /** Accepted because fedora-messaging configs carry a logging dict; not used. */
  log_config: unknown;
  log_level: LogLevel;
  serve: ServeConfig;
  /** `postgresql://…` for the archive and other state; null keeps them in SQLite in the data directory. */
  database_url: string | null;
  archive: ArchiveConfig;
  gateway: GatewayConfig;
  notify: NotifyConfig;
  manage: ManageConfig;
}

/** Every key optional, at every depth; lists are replaced whole, so their items stay complete. */
export type DeepPartial<T> = T extends readonly (infer Item)[]
  ? Item[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A binding as written in a file or given as an override: `exchange` defaults to publish_exchange. */
export type BindingInput = Omit<BindingConfig, 'exchange'> & { exchange?: string };

/** What loadConfig accepts as overrides (from command-line flags). */
export type ConfigOverrides = Omit<DeepPartial<TidingsConfig>, 'bindings'> & { bindings?: BindingInput[] };
