/**
 * Matrix: each job is one m.notice from the notification bot. A destination names a room
 * (`!room:server`, where the bot must already be a member), an alias (`#room:server`, resolved on
 * each send: aliases can be moved), or a person (`@user:server`: the bot opens a direct room with
 * them once and remembers it). The job id is the transaction id, so a retry after a lost answer
 * returns the first event instead of posting twice.
 *
 * What a failure means: 429 waits as long as the homeserver asked; 5xx and no answer are tried
 * again; a refused token (401) too, since it is this server's configuration, not the destination,
 * that is wrong (a permanent failure would pause every Matrix destination); 403 (the bot may not
 * post there), an unknown alias and other 4xx are refusals the owner must fix.
 */
import type { Logger } from 'pino';
import { silentLogger } from '../../log/index.js';
import type { Channel, DeliveryJob } from '../delivery/types.js';
import { DeliveryError } from '../errors.js';
import { MatrixApiError, MatrixClient } from './matrix-client.js';
import { matrixContent } from './matrix-content.js';
import type { MatrixDirectRooms } from './matrix-rooms.js';

export interface MatrixChannelOptions {
  /** The homeserver's base URL, e.g. `https://matrix.example.org`. */
  readonly homeserver: string;
  /** The notification bot's access token. */
  readonly accessToken: string;
  /** Where the direct rooms opened for people are remembered. */
  readonly rooms: MatrixDirectRooms;
  /** How long one request may take; default 30 s. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export class MatrixChannel implements Channel {
  readonly kind = 'matrix' as const;
  private readonly client: MatrixClient;
  private readonly logger: Logger;
  /** Direct rooms being opened, so concurrent sends to a new person open one room, not several. */
  private readonly opening = new Map<string, Promise<string>>();

  constructor(private readonly options: MatrixChannelOptions) {
    this.client = new MatrixClient(options.homeserver, options.accessToken, options.timeoutMs ?? 30_000);
    this.logger = (options.logger ?? silentLogger()).child({ homeserver: options.homeserver });
  }

  async send(job: DeliveryJob): Promise<void> {
    const address = job.destination.address;
    const content = matrixContent(job);
    try {
      if (address.startsWith('@')) return await this.sendToPerson(address, job.id, content);
      const roomId = address.startsWith('#') ? await this.resolve(address) : address;
      if (!roomId.startsWith('!')) throw new DeliveryError(`${JSON.stringify(address)} is not a Matrix user, room id or alias`, { permanent: true });
      await this.client.sendMessage(roomId, job.id, { ...content });
    } catch (error) {
      throw this.deliveryError(error, address);
    }
  }

  async close(): Promise<void> {
    // Nothing to close: each request is its own fetch.
  }

  private async resolve(alias: string): Promise<string> {
    try {
      return await this.client.resolveAlias(alias);
    } catch (error) {
      if (error instanceof MatrixApiError && error.status === 404) {
        throw new DeliveryError(`the Matrix alias ${alias} points to no room: change the destination`, { permanent: true, cause: error });
      }
      throw error;
    }
  }

  /** Into the person's direct room; one that the bot may no longer post in is replaced, once. */
  private async sendToPerson(userId: string, txnId: string, content: object): Promise<void> {
    const known = await this.options.rooms.get(userId);
    const roomId = known ?? (await this.openDirectRoom(userId, undefined));
    try {
      await this.client.sendMessage(roomId, txnId, { ...content });
    } catch (error) {
      // Kicked, or the room was left and forgotten by everyone: open a fresh one.
      if (!(error instanceof MatrixApiError) || error.status !== 403 || known === undefined) throw error;
      this.logger.info({ userId, roomId }, 'the bot may no longer post in this direct room; opening a new one');
      await this.client.sendMessage(await this.openDirectRoom(userId, roomId), txnId, { ...content });
    }
  }

  private openDirectRoom(userId: string, replacing: string | undefined): Promise<string> {
    const pending = this.opening.get(userId);
    if (pending) return pending;
    const opened = (async () => {
      // Another send may have opened one while this one waited.
      const current = await this.options.rooms.get(userId);
      if (current !== undefined && current !== replacing) return current;
      const roomId = await this.client.createDirectRoom(userId);
      await this.options.rooms.set(userId, roomId);
      this.logger.info({ userId, roomId }, 'opened a direct room');
      return roomId;
    })().finally(() => this.opening.delete(userId));
    this.opening.set(userId, opened);
    return opened;
  }

  private deliveryError(error: unknown, address: string): DeliveryError {
    if (error instanceof DeliveryError) return error;
    if (!(error instanceof MatrixApiError)) return new DeliveryError(`Matrix delivery to ${address} failed: ${(error as Error).message}`, { cause: error });
    const { status } = error;
    if (status === 429) {
      return new DeliveryError(`the homeserver asked to slow down (${error.message})`, { cause: error, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) });
    }
    if (status === 401) {
      this.logger.error({ err: error }, 'the homeserver refused the bot\'s access token: check notify.matrix.access_token');
      return new DeliveryError(`the homeserver refused the bot's access token (${error.message}): check notify.matrix.access_token`, { cause: error });
    }
    // No answer, a strange one (200 without the id), a timeout or the homeserver's own trouble.
    if (status === null || status < 400 || status === 408 || status >= 500) return new DeliveryError(`Matrix delivery to ${address} failed, to be tried again: ${error.message}`, { cause: error });
    if (status === 403) {
      return new DeliveryError(`the notification bot may not post to ${address} (${error.message}): invite the bot to the room`, { permanent: true, cause: error });
    }
    return new DeliveryError(`the homeserver refused delivery to ${address}: ${error.message}`, { permanent: true, cause: error });
  }
}
