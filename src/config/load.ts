/**
 * loadConfig: defaults, then the TOML file, then TIDINGS_* variables, then command-line overrides.
 * The only I/O is reading the file.
 */
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { defaultConfig, defaultExchange, defaultQueue } from './defaults.js';
import { CONFIG_FILE_VARIABLE, configFromEnv } from './env.js';
import { ConfigError } from './errors.js';
import { hasPath, isTable, mergeLayers, withoutUndefined, type Table } from './merge.js';
import type { BindingConfig, ConfigOverrides, ExchangeConfig, QueueConfig, TidingsConfig } from './types.js';
import { findFirstProblem, showValue, type ConfigProblem } from './validate.js';

export interface LoadConfigOptions {
  /** A TOML file; null or undefined means $TIDINGS_CONFIG if set, else no file. */
  file?: string | null;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** From command-line flags: they win over everything else. */
  overrides?: ConfigOverrides;
}

export function loadConfig(options: LoadConfigOptions): TidingsConfig {
  const env = options.env ?? process.env;
  const fileLayer = readLayerFromFile(options.file, env);
  const envLayer = configFromEnv(env);
  const overrides = withoutUndefined(options.overrides ?? {});
  if (!isTable(overrides)) {
    throw new ConfigError(`config error in command-line options: expected a table of settings, got ${showValue(overrides)}`, null);
  }
  checkLayer(overrides, 'command-line options');

  // Layers that were validated but are not part of the resolved config.
  const layers = [fileLayer, envLayer, overrides].map(({ monitoring: _ignored, agent: _agent, ...rest }) => rest);
  const merged = layers.reduce<Table>((base, layer) => mergeLayers(base, layer), defaultConfig(env) as unknown as Table);
  const config = merged as unknown as TidingsConfig;

  // fedora-messaging's amqp_url names the bus unless a Tidings url is given somewhere.
  const urlGiven = layers.some((layer) => hasPath(layer, ['url']));
  if (!urlGiven && config.amqp_url !== null) config.url = config.amqp_url;

  config.exchanges = fillEntries<ExchangeConfig>(config.exchanges, defaultExchange);
  config.queues = fillEntries<QueueConfig>(config.queues, defaultQueue);
  config.bindings = config.bindings.map(
    (binding): BindingConfig => ({ ...binding, exchange: binding.exchange ?? config.publish_exchange }),
  );
  return config;
}

function fillEntries<Entry extends object>(entries: Record<string, Partial<Entry>>, defaults: () => Entry): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const [name, entry] of Object.entries(entries)) {
    Object.defineProperty(out, name, { value: { ...defaults(), ...entry }, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function readLayerFromFile(file: string | null | undefined, env: NodeJS.ProcessEnv): Table {
  const fromEnv = file === null || file === undefined || file === '';
  const path = fromEnv ? env[CONFIG_FILE_VARIABLE] : file;
  if (path === undefined || path === '') return {};
  // When the path came from TIDINGS_CONFIG, that variable is what the user must fix.
  const pathKey = fromEnv ? CONFIG_FILE_VARIABLE : null;
  const origin = fromEnv ? ` (from ${CONFIG_FILE_VARIABLE})` : '';

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}${origin}: ${osReason(error)}`, pathKey, { cause: error });
  }

  let content: Table;
  try {
    // A BOM is not TOML, but editors on other systems add one.
    content = parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(
        `config error in ${path}, line ${error.line}, column ${error.column}: ${reason} (fix the TOML syntax there)`,
        null,
        { cause: error },
      );
    }
    throw new ConfigError(`config error in ${path}: ${error instanceof Error ? error.message : String(error)}`, null, { cause: error });
  }
  checkLayer(content, path);
  return content;
}

function osReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  if (code !== undefined && reasons[code] !== undefined) return `${reasons[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

function checkLayer(layer: Table, where: string): void {
  const problem = findFirstProblem(layer);
  if (problem !== null) throw new ConfigError(`config error in ${where}: ${problemText(problem)}`, problem.key);
}

function problemText(problem: ConfigProblem): string {
  switch (problem.kind) {
    case 'unknown':
      return problem.suggestion !== null
        ? `unknown key "${problem.key}" (did you mean "${problem.suggestion}"?)`
        : `unknown key "${problem.key}": remove it (known keys here: ${problem.known.join(', ')})`;
    case 'missing':
      return `"${problem.key}" is missing: set it to ${problem.expected}`;
    case 'invalid':
      return `"${problem.key}" must be ${problem.expected} (got ${showValue(problem.value)})`;
  }
}
