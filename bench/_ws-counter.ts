/**
 * A WebSocket client that costs next to nothing per frame, for fan-out benchmarks: it reads frame
 * headers only and skips payloads, so a thousand of them in one process can count a million frames
 * a second — a `ws` client parsing every frame would measure the client, not the server. The first
 * two text frames (the welcome and the subscribe acknowledgement) are read; every later text frame
 * counts as one message. A close frame's code is kept (4008: dropped as too slow).
 */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('the counter sends only short frames');
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | OPCODE_TEXT;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

export class FrameCounter {
  messages = 0;
  closeCode: number | null = null;
  private textFrames = 0;
  /** Bytes of the current frame's payload still to skip. */
  private skipping = 0;
  private pending: Buffer | null = null;
  private socket: Socket | undefined;
  private subscribed!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.subscribed = resolve));

  /** Connects, sends `subscribe` (a JSON text), resolves once the server acknowledged it. */
  static async open(url: string, subscribe: string): Promise<FrameCounter> {
    const counter = new FrameCounter();
    const target = new URL(url);
    await new Promise<void>((resolve, reject) => {
      const upgrade = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
      });
      upgrade.once('upgrade', (_response, socket, head) => {
        counter.socket = socket;
        socket.setNoDelay(true);
        socket.on('data', (chunk: Buffer) => counter.read(chunk));
        socket.on('error', () => undefined);
        if (head.length) counter.read(head);
        socket.write(maskedTextFrame(subscribe));
        resolve();
      });
      upgrade.once('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
      upgrade.once('error', reject);
      upgrade.end();
    });
    await counter.ready;
    return counter;
  }

  private read(input: Buffer): void {
    const chunk = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = null;
    let at = 0;
    if (this.skipping > 0) {
      const skipped = Math.min(this.skipping, chunk.length);
      this.skipping -= skipped;
      at = skipped;
    }
    while (at < chunk.length) {
      if (chunk.length - at < 2) break;
      const opcode = chunk[at]! & 0x0f;
      let length = chunk[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (chunk.length - at < 4) break;
        length = chunk.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (chunk.length - at < 10) break;
        length = Number(chunk.readBigUInt64BE(at + 2));
        header = 10;
      }
      // The first frames and a close are read whole; a message is only counted and skipped.
      const needsPayload = opcode === OPCODE_CLOSE || (opcode === OPCODE_TEXT && this.textFrames < 2);
      if (needsPayload && chunk.length - at < header + length) break;
      if (opcode === OPCODE_TEXT) {
        if (this.textFrames < 2) {
          this.textFrames++;
          if (chunk.toString('utf8', at + header, at + header + length).includes('"subscribed"')) this.subscribed();
        } else {
          this.messages++;
        }
      } else if (opcode === OPCODE_CLOSE && length >= 2) {
        this.closeCode = chunk.readUInt16BE(at + header);
      }
      const end = at + header + length;
      if (end > chunk.length) {
        this.skipping = end - chunk.length;
        at = chunk.length;
      } else {
        at = end;
      }
    }
    if (at < chunk.length) this.pending = Buffer.from(chunk.subarray(at));
  }

  close(): void {
    this.socket?.destroy();
  }
}
