/**
 * `tidings publish`: one message from flags, or JSON Lines from a file or stdin. Each line is checked
 * before it is sent; confirmations are awaited with a window of publishes in flight.
 */
import type { Command } from '@commander-js/extra-typings';
import { MessageFormatError, parseSeverity, type Message, type MessageInit } from '../message/index.js';
import type { Bus } from '../bus/index.js';
import { commandConfig, commandLogger, connectBus, writeLine } from './context.js';
import { readMessageLines } from './input.js';

/** Publishes awaiting confirmation at once; enough to hide the round trip, small enough to stop early. */
const WINDOW = 256;

interface PublishFlags {
  topic?: string;
  body?: string;
  schema?: string;
  severity?: string;
  timeout?: string;
  mandatory?: boolean;
  quiet?: boolean;
}

function messageFromFlags(flags: PublishFlags): MessageInit {
  if (!flags.topic || flags.body === undefined) {
    throw new MessageFormatError('give --topic and --body together, or a JSON Lines FILE (or - for stdin)');
  }
  let body: unknown;
  try {
    body = JSON.parse(flags.body);
  } catch (error) {
    throw new MessageFormatError(`--body is not JSON: ${(error as Error).message}`);
  }
  return {
    topic: flags.topic,
    body: body as MessageInit['body'],
    ...(flags.schema ? { schema: flags.schema } : {}),
    ...(flags.severity ? { severity: parseSeverity(flags.severity) } : {}),
  };
}

async function* messagesToPublish(source: string | undefined, flags: PublishFlags): AsyncGenerator<{ where: string; init: MessageInit }> {
  if (source === undefined) {
    yield { where: '--topic/--body', init: messageFromFlags(flags) };
    return;
  }
  if (flags.topic || flags.body) throw new MessageFormatError('give either --topic/--body or a FILE, not both');
  for await (const { line, message } of readMessageLines(source)) {
    const init: MessageInit = {
      topic: message.topic,
      body: message.body,
      headers: message.headers,
      ...(message.id !== undefined ? { id: message.id } : {}),
      ...(message.priority !== undefined ? { priority: message.priority } : {}),
    };
    yield { where: `${source === '-' ? 'stdin' : source} line ${line}`, init };
  }
}

async function publishAll(bus: Bus, source: string | undefined, flags: PublishFlags): Promise<number> {
  const timeout = flags.timeout !== undefined ? Number(flags.timeout) * 1000 : undefined;
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let failure: unknown;
  try {
    for await (const { where, init } of messagesToPublish(source, flags)) {
      if (failure) break;
      let message: Message;
      try {
        message = bus.prepare(init);
      } catch (error) {
        (error as Error).message = `${where}: ${(error as Error).message}`;
        failure = error;
        break;
      }
      const { id, topic } = message;
      const sending = bus
        .send(message, { ...(timeout ? { timeout } : {}), ...(flags.mandatory ? { mandatory: true } : {}) })
        .then(
          () => {
            published++;
            if (!flags.quiet) writeLine(`${id} ${topic}`);
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (inFlight.size >= WINDOW) await Promise.race(inFlight);
    }
  } catch (error) {
    // A line that cannot be read: stop reading, but still report what was already sent.
    failure ??= error;
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return published;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('publish a message (--topic/--body) or JSON Lines messages from FILE or - (stdin)')
    .argument('[file]', 'JSON Lines: {"topic", "headers", "id", "body"} per line; - reads stdin')
    .option('--topic <topic>', 'topic of a single message (the configured topic_prefix is prepended)')
    .option('--body <json>', 'body of a single message: a JSON object')
    .option('--schema <name>', 'schema name of a single message (default base.message)')
    .option('--severity <level>', 'DEBUG, INFO, WARNING or ERROR (or 10/20/30/40)')
    .option('--timeout <seconds>', 'how long to wait for each confirmation')
    .option('--mandatory', 'fail when no queue takes a message')
    .option('-q, --quiet', 'print nothing on success')
    .action(async (file, flags, command) => {
      const config = commandConfig(command);
      const logger = commandLogger(config, 'tidings-publish');
      const bus = await connectBus(config, logger, 'tidings-publish');
      try {
        const count = await publishAll(bus, file, flags);
        logger.debug({ count }, 'published');
      } finally {
        await bus.close();
      }
    });
}
