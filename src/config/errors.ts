import { TidingsError } from '../message/index.js';

/**
 * The configuration (file, environment or command-line options) is unusable. `key` names what is
 * wrong the way the user wrote it: a dotted config key (`qos.prefetch_count`,
 * `bindings[0].routing_keys`), an environment variable (`TIDINGS_PUBLISH_TIMEOUT`), or null when
 * the file as a whole is at fault (unreadable, not TOML).
 */
export class ConfigError extends TidingsError {
  readonly code = 'CONFIG_INVALID';

  constructor(
    message: string,
    readonly key: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
