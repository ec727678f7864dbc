/**
 * One message as streams send it: `{id, topic, headers, body, summary, usernames, packages}`.
 * It is serialised once, however many clients receive it, and each wire form (the SSE event, a
 * WebSocket frame per subscription id) is built once as a Buffer that every socket writes as is —
 * with a thousand subscribers that is the difference between one copy and a thousand.
 */
import { categoryOf, type DerivedFacts, type Message, type SchemaRegistry } from '../../message/index.js';
import type { ReceivedMessage } from '../../bus/index.js';
import type { StoredMessage } from '../../store/index.js';
import type { MatchFacts } from './filter.js';

/** SSE splits events on line ends, so a field value must not contain one. */
const LINE_END = /[\r\n]/;

export class StreamEvent implements MatchFacts {
  readonly category: string | null;
  private json: string | undefined;
  private sseForm: Buffer | undefined;
  private frames: Map<string, Buffer> | undefined;

  private constructor(
    readonly id: string,
    readonly topic: string,
    private readonly headers: Message['headers'],
    /** The body's JSON text when it can be sent as it arrived, else undefined (serialise `body`). */
    private readonly bodyText: string | undefined,
    private readonly body: unknown,
    private readonly facts: () => DerivedFacts,
  ) {
    this.category = categoryOf(topic);
  }

  static received(message: ReceivedMessage): StreamEvent {
    // The text as published avoids a stringify per message; a pretty-printed body would break SSE.
    const text = LINE_END.test(message.bodyText) ? undefined : message.bodyText;
    return new StreamEvent(message.id, message.topic, message.headers, text, message.body, () => message.facts);
  }

  static stored(stored: StoredMessage, registry: SchemaRegistry): StreamEvent {
    const body = (typeof stored.body === 'object' && stored.body !== null ? stored.body : {}) as Message['body'];
    let facts: DerivedFacts | undefined;
    const message: Message = { id: stored.id, topic: stored.topic, headers: stored.headers, body };
    return new StreamEvent(stored.id, stored.topic, stored.headers, undefined, body, () => (facts ??= registry.facts(message)));
  }

  usernames(): readonly string[] {
    return this.facts().usernames;
  }

  packages(): readonly string[] {
    return this.facts().packages;
  }

  /** The message's JSON text, as in `data:` and a frame's `message`. */
  get messageJson(): string {
    if (this.json === undefined) {
      const facts = this.facts();
      this.json =
        `{"id":${JSON.stringify(this.id)},"topic":${JSON.stringify(this.topic)},"headers":${JSON.stringify(this.headers)},` +
        `"body":${this.bodyText ?? JSON.stringify(this.body)},"summary":${JSON.stringify(facts.summary)},` +
        `"usernames":${JSON.stringify(facts.usernames)},"packages":${JSON.stringify(facts.packages)}}`;
    }
    return this.json;
  }

  /** The SSE event. An id with a line end cannot be an SSE id: such an event goes without one (and cannot be resumed after). */
  get sse(): Buffer {
    this.sseForm ??= Buffer.from(`${LINE_END.test(this.id) ? '' : `id: ${this.id}\n`}event: message\ndata: ${this.messageJson}\n\n`);
    return this.sseForm;
  }

  /**
   * The WebSocket frame for one subscription, framed (header included) so that it is written to
   * each socket as is; clients mostly reuse the same few ids, so they share frames.
   */
  frameFor(subscription: string): Buffer {
    this.frames ??= new Map();
    let frame = this.frames.get(subscription);
    if (frame === undefined) {
      frame = textFrame(`{"type":"message","subscription":${JSON.stringify(subscription)},"message":${this.messageJson}}`);
      this.frames.set(subscription, frame);
    }
    return frame;
  }
}

/** A final, unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends it. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}
