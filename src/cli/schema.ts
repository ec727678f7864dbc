/**
 * `tidings schema`: the applications' schemas. `list` and `show NAME` describe them; `validate FILE`
 * and `facts FILE` read JSON Lines of messages — fedora-messaging's form (`{id, topic, headers,
 * body}`) or fedmsg envelopes (`{topic, msg, timestamp, msg_id…}`) — and check each body against its
 * schema, or print what each message is about. A broken line is reported and the rest go on.
 */
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from '@commander-js/extra-typings';
import { Header, MessageValidationError, severityName, type Message } from '../message/index.js';
import { messageFromArchiveLine } from '../archive/index.js';
import { createSchemaCatalog, type AppSchema, type SchemaCatalog } from '../schemas/index.js';
import { InputError } from './input.js';
import { ExitCode } from './exit-codes.js';

/**
 * A JSON Lines value as a message. A fedmsg envelope names no schema (fedmsg had none), so it
 * keeps none here and its schema is chosen by topic; a line that names one keeps it.
 */
export function messageOfLine(value: unknown): Message {
  const { message } = messageFromArchiveLine(value);
  const line = value as Record<string, unknown>;
  const ownHeaders = line['headers'];
  const namesSchema = typeof ownHeaders === 'object' && ownHeaders !== null && Header.schema in ownHeaders;
  if ('msg' in line && !namesSchema) {
    const headers = { ...message.headers };
    delete headers[Header.schema];
    return { ...message, headers };
  }
  return message;
}

/** Writes a line, waiting when stdout is full (a large archive piped into a slow reader). */
async function write(line: string): Promise<void> {
  if (!process.stdout.write(line + '\n')) await once(process.stdout, 'drain');
}

/** Each non-blank line of FILE (or stdin for -), numbered, as a message or as the reason it is not one. */
async function* messageLines(source: string): AsyncGenerator<{ line: number; message?: Message; error?: string }> {
  if (source !== '-') {
    try {
      await access(source, constants.R_OK);
    } catch (error) {
      throw new InputError(`cannot read ${source}: ${(error as Error).message}`, { cause: error });
    }
  }
  const input = source === '-' ? process.stdin : createReadStream(source, { encoding: 'utf8' });
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `not JSON: ${(error as Error).message}` };
      continue;
    }
    try {
      yield { line, message: messageOfLine(value) };
    } catch (error) {
      yield { line, error: (error as Error).message };
    }
  }
}

/** The facts of a message as `schema facts` prints them, in this key order. */
export function factsLine(catalog: SchemaCatalog, message: Message): Record<string, unknown> {
  const facts = catalog.facts(message);
  return {
    id: message.id,
    topic: message.topic,
    schema: facts.schema,
    summary: facts.summary,
    url: facts.url,
    app: facts.app,
    agent: facts.agent,
    usernames: facts.usernames,
    groups: facts.groups,
    packages: facts.packages,
  };
}

function describe(app: AppSchema, catalog: SchemaCatalog): Record<string, unknown> {
  const { schema, example } = app;
  const topic = `org.fedoraproject.prod.${example.topic}`;
  const message: Message = { id: 'example', topic, headers: { [Header.schema]: schema.name }, body: example.body };
  const { id: _id, ...facts } = factsLine(catalog, message);
  return {
    name: schema.name,
    aliases: schema.aliases,
    family: app.family,
    description: schema.description,
    topics: app.topics,
    severity: severityName(schema.severity),
    bodySchema: schema.bodySchema,
    example: { topic: message.topic, body: example.body },
    exampleFacts: facts,
  };
}

function unknownSchema(name: string, catalog: SchemaCatalog): InputError {
  const near = catalog.schemas.map((app) => app.schema.name).filter((known) => known.includes(name) || name.includes(known.replace(/\.v\d+$/, '')));
  const hint = near.length > 0 ? `; did you mean ${near.slice(0, 5).join(', ')}?` : ' (tidings schema list shows them all)';
  return new InputError(`no schema is named ${JSON.stringify(name)}${hint}`);
}

export function registerSchema(program: Command): void {
  const schema = program.command('schema').description("the applications' message schemas: list, show, validate messages, derive their facts");

  schema
    .command('list')
    .description('every schema: name, topics, and the other names it is known by')
    .option('--json', 'one JSON object per schema')
    .action(async (flags) => {
      const catalog = createSchemaCatalog();
      const width = Math.max(...catalog.schemas.map((app) => app.schema.name.length));
      for (const app of catalog.schemas) {
        const { name, aliases } = app.schema;
        if (flags.json) await write(JSON.stringify({ name, family: app.family, topics: app.topics, aliases }));
        else await write(`${name.padEnd(width)}  ${app.topics.join(' ')}${aliases.length > 0 ? `  (also ${aliases.join(', ')})` : ''}`);
      }
    });

  schema
    .command('show')
    .description('one schema: its JSON Schema, topics, aliases, an example body and the facts derived from it')
    .argument('<name>', 'schema name or alias, e.g. bodhi.update.comment.v1')
    .action(async (name) => {
      const catalog = createSchemaCatalog();
      const app = catalog.find(name);
      if (app === undefined) throw unknownSchema(name, catalog);
      await write(JSON.stringify(describe(app, catalog), null, 2));
    });

  schema
    .command('validate')
    .description("check each message's body against its schema (named in its headers, or chosen by topic); exits 1 listing failures")
    .argument('<file>', 'JSON Lines of messages or fedmsg envelopes; - for stdin')
    .action(async (file) => {
      const catalog = createSchemaCatalog();
      let valid = 0;
      let failed = 0;
      const where = file === '-' ? 'stdin' : file;
      for await (const { line, message, error } of messageLines(file)) {
        if (message === undefined) {
          failed++;
          await write(`${where} line ${line}: ${error}`);
          continue;
        }
        try {
          catalog.validate(message);
          valid++;
        } catch (problem) {
          failed++;
          const issues = problem instanceof MessageValidationError ? problem.message : String(problem);
          await write(`${where} line ${line} (${message.id}): ${issues}`);
        }
      }
      process.stderr.write(`${valid + failed} messages: ${valid} valid, ${failed} invalid\n`);
      if (failed > 0) process.exitCode = ExitCode.badInput;
    });

  schema
    .command('facts')
    .description(
      'print, per message, its derived facts as one JSON line: id, topic, schema, summary, url, app, agent, usernames, ' +
        'groups, packages; a line that is not a message gets {"line", "error"} and the exit code is then 1',
    )
    .argument('<file>', 'JSON Lines of messages or fedmsg envelopes; - for stdin')
    .action(async (file) => {
      const catalog = createSchemaCatalog();
      let broken = 0;
      for await (const { line, message, error } of messageLines(file)) {
        if (message === undefined) {
          broken++;
          await write(JSON.stringify({ line, error }));
          continue;
        }
        try {
          await write(JSON.stringify(factsLine(catalog, message)));
        } catch (problem) {
          broken++;
          await write(JSON.stringify({ line, id: message.id, topic: message.topic, error: (problem as Error).message }));
        }
      }
      if (broken > 0) process.exitCode = ExitCode.badInput;
    });
}
