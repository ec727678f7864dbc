/**
 * The part of irc-framework 4.14 (which ships no types) that Tidings uses: a client, its connection
 * (for writes with a flush callback) and the events we listen to. Checked against its src/client.js
 * and src/connection.js; widen it here when using more.
 */
declare module 'irc-framework' {
  namespace IrcFramework {
    interface ClientOptions {
      host: string;
      port: number;
      tls?: boolean;
      rejectUnauthorized?: boolean;
      nick: string;
      username?: string;
      gecos?: string;
      /** Sent as PASS before registering. */
      password?: string;
      /** SASL PLAIN, when the server offers the `sasl` capability. */
      account?: { account: string; password: string };
      encoding?: string;
      auto_reconnect?: boolean;
      /** Seconds between our PINGs, and without any data before the client gives up (0: never). */
      ping_interval?: number;
      ping_timeout?: number;
      message_max_length?: number;
      version?: string | null;
    }

    interface RegisteredEvent {
      nick: string;
    }

    interface MessageEvent {
      nick: string;
      ident: string;
      hostname: string;
      target: string;
      message: string;
      type: string;
    }

    interface NickInUseEvent {
      nick: string;
      reason: string;
    }

    interface IrcErrorEvent {
      error: string;
      reason?: string;
      nick?: string;
      channel?: string;
    }

    interface RawEvent {
      line: string;
      from_server: boolean;
    }

    interface Connection {
      connected: boolean;
      /** false when not connected (the callback still runs); otherwise the line was handed to the socket. */
      write(line: string, callback?: (error?: Error | null) => void): boolean | undefined;
      /** Writes `data` (if connected), then closes; `hadError` keeps a reconnect possible. */
      end(data?: string | null, hadError?: boolean): void;
    }

    class Client {
      constructor(options?: Partial<ClientOptions>);
      readonly connected: boolean;
      readonly connection: Connection;
      readonly user: { nick: string };
      connect(options?: ClientOptions): void;
      quit(message?: string): void;
      say(target: string, message: string): void;
      raw(...args: string[]): void;
      on(event: 'registered', listener: (event: RegisteredEvent) => void): this;
      on(event: 'privmsg' | 'notice' | 'message', listener: (event: MessageEvent) => void): this;
      on(event: 'nick in use', listener: (event: NickInUseEvent) => void): this;
      on(event: 'irc error', listener: (event: IrcErrorEvent) => void): this;
      on(event: 'raw', listener: (event: RawEvent) => void): this;
      on(event: 'close' | 'socket close', listener: (error?: unknown) => void): this;
      on(event: 'socket connected', listener: () => void): this;
      once(event: 'registered', listener: (event: RegisteredEvent) => void): this;
      once(event: 'close' | 'socket close', listener: (error?: unknown) => void): this;
      removeAllListeners(event?: string): this;
    }
  }
  export = IrcFramework;
}
