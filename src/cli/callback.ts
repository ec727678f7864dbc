/**
 * Loading a consumer callback from `FILE:EXPORT`: a function `(message, context)`, an object with a
 * `handle(message)` method, or a class built with the consumer_config whose instances handle messages.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TidingsError } from '../message/index.js';
import { Drop, HaltConsumer, Nack, type MessageHandler, type ReceivedMessage } from '../bus/index.js';
import type { Logger } from '../log/index.js';

export class CallbackError extends TidingsError {
  readonly code = 'CALLBACK_INVALID';
}

/** What a callback receives besides the message. */
export interface CallbackContext {
  /** The `consumer_config` table of the configuration. */
  readonly config: Record<string, unknown>;
  readonly logger: Logger;
  /** Handler outcomes, for callbacks that cannot import Tidings: throw new outcomes.Nack(), … */
  readonly outcomes: { Nack: typeof Nack; Drop: typeof Drop; HaltConsumer: typeof HaltConsumer };
}

export function parseCallbackSpec(spec: string): { file: string; exportName: string } {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) return { file: spec, exportName: 'default' };
  return { file: spec.slice(0, colon), exportName: spec.slice(colon + 1) || 'default' };
}

type HandlerObject = { handle(message: ReceivedMessage, context: CallbackContext): unknown };

function isClass(value: unknown): value is new (config: Record<string, unknown>) => unknown {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function hasHandle(value: unknown): value is HandlerObject {
  return typeof value === 'object' && value !== null && typeof (value as HandlerObject).handle === 'function';
}

export async function loadCallback(spec: string, context: Omit<CallbackContext, 'outcomes'>): Promise<MessageHandler> {
  const { file, exportName } = parseCallbackSpec(spec);
  const path = resolve(file);
  if (!existsSync(path)) throw new CallbackError(`callback file ${path} does not exist (--callback FILE:EXPORT)`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CallbackError(`could not load callback file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const exported = module[exportName];
  const full: CallbackContext = { ...context, outcomes: { Nack, Drop, HaltConsumer } };
  if (isClass(exported)) {
    const instance = new exported(context.config);
    if (!hasHandle(instance)) throw new CallbackError(`class "${exportName}" in ${path} has no handle(message) method`);
    return (message) => instance.handle(message, full);
  }
  if (typeof exported === 'function') return (message) => (exported as MessageHandler & ((m: ReceivedMessage, c: CallbackContext) => unknown))(message, full);
  if (hasHandle(exported)) return (message) => exported.handle(message, full);
  const available = Object.keys(module).join(', ') || 'nothing';
  throw new CallbackError(
    `${path} has no callable export "${exportName}" (it exports ${available}): export a function (message) => …, ` +
      'an object with handle(message), or a class',
  );
}
