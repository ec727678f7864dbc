/**
 * An agent's configuration file (TOML, an [agent] table), checked key by key with errors that name
 * the key and say what it must be.
 *
 *   [agent]
 *   name = "mirror1.example.net"      # how it announces itself; its trace file's name
 *   tier = 1                          # 1 follows the master, 2 follows a tier-1
 *   upstream = "master"               # "master", or the tier-1's name
 *   module = "fedora"
 *   tree = "/srv/mirror/fedora"       # the tree it keeps
 *   source = "rsync://master.example.org/fedora"   # or a local path
 *   lock = "/var/lib/tidings/mirror1.lock"         # default: <tree>.lock beside the tree
 *   metadata = ["repodata/", "Packages*", "Release*"]   # switched last; default: RPM and Debian indexes
 *   max_deletions = 10000
 *   serial_check = 600                # seconds between comparisons with the upstream's trace; 0: never
 *   trusted_identity = "fedora-master"  # act only on announcements from this identity
 */
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { ConfigError } from '../config/index.js';
import type { MirrorAgentOptions } from './agent.js';

type AgentSettings = Omit<MirrorAgentOptions, 'logger' | 'verify' | 'queue'>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function parseAgentConfig(text: string, file = 'the agent configuration'): AgentSettings {
  let document: Record<string, unknown>;
  try {
    document = parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${file} is not valid TOML: ${(error as Error).message}`, 'agent', { cause: error });
  }
  const agent = document['agent'];
  if (typeof agent !== 'object' || agent === null || Array.isArray(agent)) throw new ConfigError(`${file} needs an [agent] table`, 'agent');
  const table = agent as Record<string, unknown>;
  const known = new Set(['name', 'tier', 'upstream', 'module', 'tree', 'source', 'lock', 'metadata', 'max_deletions', 'serial_check', 'trusted_identity']);
  for (const key of Object.keys(table)) if (!known.has(key)) throw new ConfigError(`agent.${key} is not a setting of an agent: the settings are ${[...known].join(', ')}`, `agent.${key}`);
  const text_ = (key: string, pattern?: RegExp, what = 'a non-empty string'): string => {
    const value = table[key];
    if (typeof value !== 'string' || value === '' || (pattern && !pattern.test(value))) throw new ConfigError(`agent.${key} must be ${what}`, `agent.${key}`);
    return value;
  };
  const whole = (key: string, min: number, fallback?: number): number => {
    const value = table[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ConfigError(`agent.${key} must be a whole number >= ${min}`, `agent.${key}`);
    return value;
  };
  const tier = whole('tier', 1);
  const upstream = text_('upstream', NAME, 'the name of a mirror, or "master"');
  if ((tier === 1) !== (upstream === 'master')) throw new ConfigError(`agent.upstream: a tier-1 mirror follows "master" and a tier-${tier} mirror a mirror of the tier above, not ${JSON.stringify(upstream)}`, 'agent.upstream');
  const tree = text_('tree', undefined, 'the directory of the tree this agent keeps');
  const metadata = table['metadata'];
  if (metadata !== undefined && (!Array.isArray(metadata) || metadata.some((p) => typeof p !== 'string' || p === '' || p.startsWith('-')))) {
    throw new ConfigError('agent.metadata must be a list of rsync patterns such as ["repodata/", "Packages*"]', 'agent.metadata');
  }
  const trusted = table['trusted_identity'];
  if (trusted !== undefined && (typeof trusted !== 'string' || trusted === '')) throw new ConfigError('agent.trusted_identity must be an identity name', 'agent.trusted_identity');
  return {
    name: text_('name', NAME, 'a mirror name such as "mirror1.example.net"'),
    tier,
    upstream,
    module: text_('module', NAME, 'a module name such as "fedora"'),
    tree,
    source: text_('source', undefined, 'a local path or an rsync://host/module URL'),
    lockPath: typeof table['lock'] === 'string' && table['lock'] !== '' ? table['lock'] : `${tree.replace(/\/+$/, '')}.lock`,
    ...(metadata !== undefined ? { metadataPatterns: metadata as string[] } : {}),
    maxDeletions: whole('max_deletions', 0, 10_000),
    serialCheckMs: whole('serial_check', 0, 600) * 1000,
    ...(typeof trusted === 'string' ? { trustedIdentity: trusted } : {}),
  };
}

export function loadAgentConfig(file: string): AgentSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, 'agent', { cause: error });
  }
  return parseAgentConfig(text, file);
}
