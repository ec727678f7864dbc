/**
 * A Matrix homeserver for tests, as small as the notification bot needs: no homeserver runs on the
 * project's machines and every SDK fails here. It implements, with the client-server spec's
 * semantics, exactly the calls MatrixChannel makes:
 *
 *   PUT  /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}   members only (else 403
 *        M_FORBIDDEN); the same txnId in the same room returns the first event_id, storing nothing
 *   GET  /_matrix/client/v3/directory/room/{alias}                    {room_id, servers} or 404 M_NOT_FOUND
 *   POST /_matrix/client/v3/createRoom                                 the bot joins, `invite` are invited
 *
 * Every call needs `Authorization: Bearer <token>` (401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN). A test
 * can queue canned answers (a 429 with retry_after_ms, a 500, a stall) and kick the bot from rooms.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export const SERVER_NAME = 'tidings.test';
export const BOT = `@tidings:${SERVER_NAME}`;

export interface StoredEvent {
  readonly eventId: string;
  readonly type: string;
  readonly txnId: string;
  readonly content: Record<string, unknown>;
}

export interface Room {
  readonly id: string;
  readonly members: Set<string>;
  readonly invited: Set<string>;
  readonly createdWith: Record<string, unknown> | null;
  readonly events: StoredEvent[];
}

export interface CannedAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  /** Answer only after this long (a stalled homeserver). */
  readonly delayMs?: number;
}

export interface FakeHomeserver {
  readonly url: string;
  readonly token: string;
  readonly rooms: ReadonlyMap<string, Room>;
  /** Every request, in order: `PUT /_matrix/…` with the path decoded. */
  readonly requests: ReadonlyArray<{ readonly method: string; readonly path: string }>;
  /** A room the bot has joined (or, with `joined: false`, has not). */
  addRoom(id: string, options?: { joined?: boolean }): Room;
  addAlias(alias: string, roomId: string): void;
  /** The next request gets this answer instead. */
  answerNext(answer: CannedAnswer): void;
  kick(roomId: string): void;
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: Record<string, unknown>): void => {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startHomeserver(token = 'syt_bot_token'): Promise<FakeHomeserver> {
  const rooms = new Map<string, Room>();
  const aliases = new Map<string, string>();
  const transactions = new Map<string, string>();
  const requests: Array<{ method: string; path: string }> = [];
  const canned: CannedAnswer[] = [];
  let counter = 0;

  const addRoom = (id: string, options: { joined?: boolean; createdWith?: Record<string, unknown> } = {}): Room => {
    const room: Room = { id, members: new Set(options.joined === false ? [] : [BOT]), invited: new Set(), createdWith: options.createdWith ?? null, events: [] };
    rooms.set(id, room);
    return room;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const rawPath = (request.url ?? '/').split('?')[0]!;
    const parts = rawPath.split('/').map((part) => decodeURIComponent(part));
    const path = parts.join('/');
    const method = request.method ?? 'GET';
    requests.push({ method, path });
    const body = method === 'GET' ? {} : await readJson(request);

    const answer = canned.shift();
    if (answer) {
      const reply = (): void => send(response, answer.status, answer.body ?? {});
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
      return;
    }
    const authorization = request.headers.authorization;
    if (!authorization) return send(response, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' });
    if (authorization !== `Bearer ${token}`) return send(response, 401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unrecognised access token', soft_logout: false });
    if (body === undefined) return send(response, 400, { errcode: 'M_NOT_JSON', error: 'Content not JSON.' });

    // ['', '_matrix', 'client', 'v3', …]
    const route = parts.slice(4);
    if (parts[1] !== '_matrix' || parts[2] !== 'client' || parts[3] !== 'v3') return send(response, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });

    if (method === 'PUT' && route[0] === 'rooms' && route[2] === 'send' && route.length === 5) {
      const [, roomId, , type, txnId] = route as [string, string, string, string, string];
      const room = rooms.get(roomId);
      if (!room || !room.members.has(BOT)) return send(response, 403, { errcode: 'M_FORBIDDEN', error: `User ${BOT} not in room ${roomId}` });
      const key = `${roomId}\0${txnId}`;
      const seen = transactions.get(key);
      if (seen) return send(response, 200, { event_id: seen });
      const eventId = `$event${++counter}`;
      transactions.set(key, eventId);
      room.events.push({ eventId, type, txnId, content: body });
      return send(response, 200, { event_id: eventId });
    }
    if (method === 'GET' && route[0] === 'directory' && route[1] === 'room' && route.length === 3) {
      const roomId = aliases.get(route[2]!);
      if (!roomId) return send(response, 404, { errcode: 'M_NOT_FOUND', error: `Room alias ${route[2]} not found` });
      return send(response, 200, { room_id: roomId, servers: [SERVER_NAME] });
    }
    if (method === 'POST' && route[0] === 'createRoom' && route.length === 1) {
      const invite = body['invite'];
      if (invite !== undefined && (!Array.isArray(invite) || !invite.every((user) => typeof user === 'string' && /^@[^:]+:.+$/.test(user)))) {
        return send(response, 400, { errcode: 'M_INVALID_PARAM', error: 'invite must be a list of user ids' });
      }
      const room = addRoom(`!room${++counter}:${SERVER_NAME}`, { createdWith: body });
      for (const user of (invite ?? []) as string[]) room.invited.add(user);
      return send(response, 200, { room_id: room.id });
    }
    return send(response, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { errcode: 'M_UNKNOWN', error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the homeserver has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    token,
    rooms,
    requests,
    addRoom,
    addAlias: (alias, roomId) => void aliases.set(alias, roomId),
    answerNext: (answer) => void canned.push(answer),
    kick: (roomId) => void rooms.get(roomId)?.members.delete(BOT),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
