/**
 * The config part: the `tidings` configuration from a TOML file (fedora-messaging's keys where
 * they apply), TIDINGS_* environment variables and command-line flags, validated and resolved.
 */
export { loadConfig } from './load.js';
export type { LoadConfigOptions } from './load.js';
export { ConfigError } from './errors.js';
export type {
  TidingsConfig,
  DeepPartial,
  ConfigOverrides,
  BindingInput,
  LogLevel,
  Durability,
  ExchangeConfig,
  QueueConfig,
  BindingConfig,
  QosConfig,
  TlsConfig,
  ServeConfig,
  NotifyConfig,
  NotifyAuthConfig,
  NotifyEmailConfig,
  NotifyIrcConfig,
  NotifyMatrixConfig,
  NotifyWebhookConfig,
  ManageConfig,
  ManageThresholdsConfig,
  ManageQueueThresholdsConfig,
  ManagePublisherConfig,
} from './types.js';
export { LOG_LEVELS, DURABILITIES } from './types.js';
export { defaultConfig, defaultDataDir, DEFAULT_URL, DEFAULT_LISTEN } from './defaults.js';
export { ENV_VARIABLES, CONFIG_FILE_VARIABLE } from './env.js';
export { parseListen } from './listen.js';
export type { ListenAddress } from './listen.js';
export { maskUrl } from './url.js';
export { CONFIG_SCHEMA } from './schema.js';
export { EXAMPLE_CONFIG } from './example.js';
