/**
 * The post-receive hook, start to end: read the ref updates, find what is new, turn it into
 * messages, add them to the spool behind anything still waiting there, and send the spool. The push
 * has already happened; nothing here can undo it, so nothing here fails it either: the caller
 * reports problems as warnings.
 */
import { join } from 'node:path';
import { applyTopicPrefix } from '../bus/index.js';
import { createMessage, encodeCheckedBody, SchemaRegistry, type Message } from '../message/index.js';
import { deliverSpool, sendWithoutSpool, type DeliveryOptions, type DeliveryReport } from './delivery.js';
import type { Git } from './git.js';
import { messagesForEvents } from './messages.js';
import { analyzePush, type PushEvent, type PushLimits } from './push-events.js';
import { parseRefUpdates, type RefUpdate } from './ref-updates.js';
import { Repository } from './repository.js';
import { repositoryIdentity, type NamingOptions } from './repository-name.js';
import { Spool } from './spool.js';

export const SPOOL_DIR_NAME = 'tidings-spool';
export const DEFAULT_MAX_COMMITS = 100;
export const DEFAULT_MAX_PATCH_BYTES = 64 * 1024;

export interface PostReceiveOptions extends DeliveryOptions {
  /** What git wrote on the hook's stdin. */
  readonly input: string;
  readonly git: Git;
  /** Default: `<git dir>/tidings-spool`. */
  readonly spoolDir?: string | undefined;
  readonly naming?: NamingOptions;
  readonly commitUrl?: string | null;
  readonly agent: string;
  readonly topicPrefix: string;
  readonly maxBodyBytes: number;
  readonly limits?: Partial<PushLimits>;
  /**
   * The schemas the messages are built with: their facts (users, packages…) go into the routing
   * headers at push time, and a body its schema refuses is reported. Default: the base schema only.
   */
  readonly registry?: SchemaRegistry;
}

export interface PostReceiveReport {
  readonly events: PushEvent[];
  readonly messages: Message[];
  /** Refs outside refs/heads and refs/tags, and stdin lines that were not ref updates. */
  readonly ignored: RefUpdate[];
  readonly skippedLines: string[];
  readonly warnings: string[];
  readonly spoolDir: string;
  /** What delivering the spool did (null when there was a spool problem and messages were sent directly). */
  readonly delivery: DeliveryReport | null;
  /** Messages sent directly because the spool could not be written, and why sending stopped. */
  readonly direct: { readonly sent: number; readonly error: Error | null } | null;
}

export function defaultSpoolDir(gitDir: string): string {
  return join(gitDir, SPOOL_DIR_NAME);
}

export async function runPostReceive(options: PostReceiveOptions): Promise<PostReceiveReport> {
  const { updates, skipped } = parseRefUpdates(options.input);
  const repository = new Repository(options.git);
  const limits: PushLimits = {
    maxCommits: options.limits?.maxCommits ?? DEFAULT_MAX_COMMITS,
    maxPatchBytes: options.limits?.maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES,
  };
  const warnings: string[] = [];
  let events: PushEvent[] = [];
  let ignored: RefUpdate[] = [];
  try {
    if (updates.length > 0) ({ events, ignored } = await analyzePush(repository, updates, limits));
  } catch (error) {
    // Still deliver what earlier pushes left in the spool.
    const code = (error as { code?: unknown }).code;
    warnings.push(`nothing was announced for this push: ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}`);
  }
  const inits = messagesForEvents(events, {
    agent: options.agent,
    repository: repositoryIdentity(options.git.gitDir, options.naming),
    commitUrl: options.commitUrl ?? null,
    maxBodyBytes: options.maxBodyBytes,
  });

  // Built now, with their ids and sent-at, so a message sent later from the spool is the same message.
  const registry = options.registry ?? new SchemaRegistry();
  const messages: Message[] = [];
  for (const init of inits) {
    let message: Message;
    try {
      message = createMessage({ ...init, topic: applyTopicPrefix(options.topicPrefix, init.topic) }, registry);
      encodeCheckedBody(message, options.maxBodyBytes);
    } catch (error) {
      warnings.push(`a ${init.topic} message was left out: ${(error as Error).message}`);
      continue;
    }
    try {
      registry.validate(message);
    } catch (error) {
      // Sent anyway: a bus that checks this schema refuses it (the spool sets it aside with the reason); others take it.
      warnings.push(`${(error as Error).message} (sent as it is)`);
    }
    messages.push(message);
  }

  const spoolDir = options.spoolDir ?? defaultSpoolDir(options.git.gitDir);
  const spool = new Spool(spoolDir);
  try {
    spool.add(messages);
  } catch (error) {
    warnings.push(`${(error as Error).message}; sending without a spool, so what the bus does not take now is lost`);
    const direct = await sendWithoutSpool(messages, options);
    return { events, messages, ignored, skippedLines: skipped, warnings, spoolDir, delivery: null, direct };
  }
  const delivery = await deliverSpool(spool, options);
  return { events, messages, ignored, skippedLines: skipped, warnings, spoolDir, delivery, direct: null };
}
