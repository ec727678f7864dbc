/**
 * TIDINGS_* environment variables: one layer of configuration, between the file and the flags.
 * A problem is reported under the variable's name, since that is what the user has to change.
 */
import { ConfigError } from './errors.js';
import type { Table } from './merge.js';
import { schemaAt } from './schema.js';
import { findFirstProblem, showValue } from './validate.js';

type ValueKind = 'string' | 'number' | 'integer';

interface EnvVariable {
  readonly name: string;
  readonly keys: readonly string[];
  readonly kind: ValueKind;
}

/** The variable that names the config file; read by loadConfig, listed here with the others. */
export const CONFIG_FILE_VARIABLE = 'TIDINGS_CONFIG';

export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'TIDINGS_URL', keys: ['url'], kind: 'string' },
  { name: 'TIDINGS_AMQP_URL', keys: ['amqp_url'], kind: 'string' },
  { name: 'TIDINGS_PUBLISH_EXCHANGE', keys: ['publish_exchange'], kind: 'string' },
  { name: 'TIDINGS_TOPIC_PREFIX', keys: ['topic_prefix'], kind: 'string' },
  { name: 'TIDINGS_PUBLISH_TIMEOUT', keys: ['publish_timeout'], kind: 'number' },
  { name: 'TIDINGS_MAX_MESSAGE_BYTES', keys: ['max_message_bytes'], kind: 'integer' },
  { name: 'TIDINGS_LOG_LEVEL', keys: ['log_level'], kind: 'string' },
  { name: 'TIDINGS_LISTEN', keys: ['serve', 'listen'], kind: 'string' },
  { name: 'TIDINGS_DATA', keys: ['serve', 'data_dir'], kind: 'string' },
  { name: 'TIDINGS_DURABILITY', keys: ['serve', 'durability'], kind: 'string' },
  { name: 'TIDINGS_DATABASE_URL', keys: ['database_url'], kind: 'string' },
];

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function envError(variable: EnvVariable, raw: string): ConfigError {
  const schema = schemaAt(variable.keys);
  const expected = typeof schema?.['description'] === 'string'
    ? schema['description']
    : Array.isArray(schema?.['enum'])
      ? `one of ${(schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
      : `a valid ${variable.keys.join('.')}`;
  return new ConfigError(`${variable.name} must be ${expected}, got ${showValue(raw)}`, variable.name);
}

function convert(variable: EnvVariable, raw: string): string | number {
  const text = raw.trim();
  switch (variable.kind) {
    case 'string':
      return raw;
    case 'number':
      if (!DECIMAL.test(text)) throw envError(variable, raw);
      return Number(text);
    case 'integer':
      if (!INTEGER.test(text)) throw envError(variable, raw);
      return Number(text);
  }
}

function setPath(table: Table, keys: readonly string[], value: unknown): void {
  let node = table;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Table;
  }
  node[keys[keys.length - 1]!] = value;
}

/** The configuration the environment gives; empty variables count as unset. */
export function configFromEnv(env: NodeJS.ProcessEnv): Table {
  const layer: Table = {};
  for (const variable of ENV_VARIABLES) {
    const raw = env[variable.name];
    if (raw === undefined || raw === '') continue;
    const value = convert(variable, raw);
    setPath(layer, variable.keys, value);
    // Checked one variable at a time so the error names the variable that is wrong.
    const problem = findFirstProblem(singleValue(variable.keys, value));
    if (problem !== null) throw envError(variable, raw);
  }
  return layer;
}

function singleValue(keys: readonly string[], value: unknown): Table {
  const table: Table = {};
  setPath(table, keys, value);
  return table;
}
