/** Reading JSON Lines messages from a file or standard input, one at a time, with line numbers. */
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { MessageFormatError, parseMessageLine, TidingsError, type ParsedMessage } from '../message/index.js';

export interface NumberedMessage {
  readonly line: number;
  readonly message: ParsedMessage;
}

/** A file named on the command line cannot be read. */
export class InputError extends TidingsError {
  readonly code = 'INPUT_INVALID';
}

/** Yields each non-blank line's message; a bad line throws a MessageFormatError naming its number. */
export async function* readMessageLines(source: string): AsyncGenerator<NumberedMessage> {
  if (source !== '-') {
    try {
      await access(source, constants.R_OK);
    } catch (error) {
      throw new InputError(`cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
      });
    }
  }
  const input = source === '-' ? process.stdin : createReadStream(source, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, message: parseMessageLine(text) };
    } catch (error) {
      const where = source === '-' ? 'stdin' : source;
      throw new MessageFormatError(`${where} line ${line}: ${(error as Error).message}`, { cause: error });
    }
  }
}
