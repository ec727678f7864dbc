/**
 * `tidings identity create|list|revoke`: who may publish through the gateway, and which topics.
 * Works on the database directly (SQLite in the data directory, or database_url), so it also runs
 * while `tidings serve` does; a revocation takes effect there within a second.
 */
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { Command } from '@commander-js/extra-typings';
import { IdentityError, IdentityStore, openDatabase } from '../store/index.js';
import { ConfigError } from '../config/index.js';
import { commandConfig, writeLine } from './context.js';
import { collect } from './options.js';

async function withIdentities<T>(command: Command<unknown[], Record<string, unknown>>, data: string | undefined, work: (identities: IdentityStore) => Promise<T>): Promise<T> {
  const config = commandConfig(command, data ? { serve: { data_dir: data } } : {});
  const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
  try {
    return await work(new IdentityStore(database));
  } finally {
    await database.close();
  }
}

export function registerIdentity(program: Command): void {
  const identity = program.command('identity').description('who may publish through the gateway (tokens and topic patterns)');

  identity
    .command('create')
    .description('create an identity and print its token (shown once, stored only as a hash)')
    .argument('<name>', 'e.g. koji, bodhi, pagure')
    .option('--topics <pattern>', 'a topic pattern it may publish (repeatable; * one word, # any)', collect)
    .option('--rate <per-minute>', 'at most this many messages a minute (default: the gateway\'s)')
    .option('--public-key <file>', 'an Ed25519 public key (PEM) with which this identity signs its own messages')
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (name, flags, command) => {
      const ratePerMinute = flags.rate === undefined ? null : Number(flags.rate);
      if (ratePerMinute !== null && !(Number.isInteger(ratePerMinute) && ratePerMinute > 0)) {
        throw new ConfigError(`--rate must be a whole number of messages per minute, got ${JSON.stringify(flags.rate)}`, '--rate');
      }
      let publicKey: string | null = null;
      if (flags.publicKey) {
        try {
          const key = createPublicKey(readFileSync(flags.publicKey));
          if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`);
          publicKey = key.export({ type: 'spki', format: 'pem' }).toString();
        } catch (error) {
          throw new IdentityError(`--public-key ${flags.publicKey} is not an Ed25519 public key in PEM: ${(error as Error).message}`);
        }
      }
      const { token, identity: created } = await withIdentities(command, flags.data, (identities) =>
        identities.create(name, { topics: flags.topics ?? [], publicKey, ratePerMinute }),
      );
      process.stderr.write(`identity "${created.name}" may publish ${created.topics.join(', ')}. Its token (shown only now):\n`);
      writeLine(token);
    });

  identity
    .command('list')
    .description('list identities: name, topic patterns, created, revoked')
    .option('--json', 'one JSON object per line')
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (flags, command) => {
      const all = await withIdentities(command, flags.data, (identities) => identities.list());
      for (const entry of all) {
        if (flags.json) {
          writeLine(JSON.stringify({ name: entry.name, topics: entry.topics, rate_per_minute: entry.ratePerMinute, signs_itself: entry.publicKey !== null, created_at: new Date(entry.createdAt).toISOString(), revoked_at: entry.revokedAt && new Date(entry.revokedAt).toISOString() }));
        } else {
          const state = entry.revokedAt ? `revoked ${new Date(entry.revokedAt).toISOString().slice(0, 19)}` : 'active';
          writeLine(`${entry.name}  ${state}  ${entry.topics.join(' ')}`);
        }
      }
    });

  identity
    .command('revoke')
    .description('revoke an identity: its token stops working')
    .argument('<name>')
    .option('--data <dir>', 'data directory (SQLite); ignored with database_url')
    .action(async (name, flags, command) => {
      const revoked = await withIdentities(command, flags.data, (identities) => identities.revoke(name));
      if (!revoked) throw new IdentityError(`there is no active identity "${name}" (see tidings identity list)`);
      writeLine(`identity "${name}" revoked`);
    });
}
