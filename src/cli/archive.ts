/**
 * `tidings archive import FILE` and `tidings archive export`: load fedmsg envelopes or
 * fedora-messaging JSON Lines into the archive (each message once, however often imported), and
 * write the archive out as JSON Lines. Both work on the database directly (SQLite in the data
 * directory, or database_url), so they also run while `tidings serve` does.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from '@commander-js/extra-typings';
import { formatMessageLine } from '../message/index.js';
import { createSchemaRegistry } from '../schemas/index.js';
import { ArchiveStore, openDatabase, type ArchiveRecord } from '../store/index.js';
import { ArchiveQueries, messageFromArchiveLine, parseQuery, recordFromMessage } from '../archive/index.js';
import { commandConfig, commandLogger, writeLine } from './context.js';
import { InputError } from './input.js';
import { collect } from './options.js';

const BATCH = 500;

/** Progress on stderr: a line that rewrites itself on a terminal, a line every 5 s otherwise. */
function progress(total: number): { update(done: number, lines: number): void; end(): void } {
  const started = Date.now();
  let last = 0;
  const tty = process.stderr.isTTY === true;
  const render = (done: number, lines: number): string => {
    const seconds = (Date.now() - started) / 1000;
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    return `importing: ${percent}% (${lines.toLocaleString('en-US')} lines, ${Math.round(lines / Math.max(seconds, 0.001)).toLocaleString('en-US')} lines/s)`;
  };
  return {
    update(done, lines) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5_000)) return;
      last = now;
      process.stderr.write(tty ? `\r${render(done, lines)}` : `${render(done, lines)}\n`);
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export function registerArchive(program: Command): void {
  const archive = program.command('archive').description('the archive of every message: import and export');

  archive
    .command('import')
    .description('load fedmsg envelopes or fedora-messaging messages (JSON Lines) into the archive; each message is stored once')
    .argument('<file>', 'JSON Lines file')
    .option('--data <dir>', 'data directory of the SQLite archive (default: serve.data_dir); ignored with database_url')
    .action(async (file, flags, command) => {
      const config = commandConfig(command, flags.data ? { serve: { data_dir: flags.data } } : {});
      const logger = commandLogger(config, 'tidings-archive');
      let size: number;
      try {
        size = statSync(file).size;
      } catch (error) {
        throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
      }
      const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
      const store = new ArchiveStore(database);
      const registry = createSchemaRegistry();
      const meter = progress(size);
      let lines = 0;
      let stored = 0;
      let seen = 0;
      const rejected: string[] = [];
      let batch: ArchiveRecord[] = [];
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        stored += await store.insert(batch);
        batch = [];
      };
      try {
        const input = createReadStream(file, { encoding: 'utf8' });
        let bytes = 0;
        for await (const text of createInterface({ input, crlfDelay: Infinity })) {
          lines++;
          bytes += Buffer.byteLength(text) + 1;
          if (text.trim() === '') continue;
          try {
            const { message, time } = messageFromArchiveLine(JSON.parse(text));
            batch.push(recordFromMessage(message, time, registry));
            seen++;
          } catch (error) {
            rejected.push(`${file} line ${lines}: ${(error as Error).message}`);
            continue;
          }
          if (batch.length >= BATCH) await flush();
          meter.update(bytes, lines);
        }
        await flush();
      } finally {
        meter.end();
        await database.close();
      }
      for (const problem of rejected.slice(0, 10)) process.stderr.write(`tidings: skipped ${problem}\n`);
      if (rejected.length > 10) process.stderr.write(`tidings: … and ${rejected.length - 10} more lines skipped\n`);
      writeLine(`imported ${seen} messages from ${file}: ${stored} new, ${seen - stored} already in the archive${rejected.length ? `, ${rejected.length} lines skipped` : ''}`);
      logger.debug({ file, lines, stored }, 'import done');
      if (rejected.length) process.exitCode = 1;
    });

  archive
    .command('export')
    .description('write archived messages to stdout as JSON Lines (fedora-messaging form), oldest first')
    .option('--data <dir>', 'data directory of the SQLite archive (default: serve.data_dir); ignored with database_url')
    .option('--start <time>', 'epoch seconds or ISO date (default: the beginning)')
    .option('--end <time>', 'epoch seconds or ISO date (default: now)')
    .option('--topic <topic>', 'only this topic (repeatable)', collect)
    .option('--category <app>', 'only this application (repeatable)', collect)
    .action(async (flags, command) => {
      const config = commandConfig(command, flags.data ? { serve: { data_dir: flags.data } } : {});
      const params = new URLSearchParams({ start: flags.start ?? '0' });
      if (flags.end) params.set('end', flags.end);
      for (const topic of flags.topic ?? []) params.append('topic', topic);
      for (const category of flags.category ?? []) params.append('category', category);
      const request = parseQuery(params, { now: Date.now(), defaultWindowMs: 0 });
      const database = await openDatabase({ url: config.database_url, dataDir: config.serve.data_dir });
      try {
        for await (const stored of new ArchiveQueries(database).scan(request)) {
          const body = typeof stored.body === 'object' && stored.body !== null ? (stored.body as Record<string, unknown>) : {};
          writeLine(formatMessageLine({ id: stored.id, topic: stored.topic, headers: stored.headers, body }));
        }
      } finally {
        await database.close();
      }
    });
}
