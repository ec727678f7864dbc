/**
 * A real SMTP server (smtp-server) on a free port, keeping every mail it accepts, parsed with
 * mailparser. `refuse` makes it answer a given SMTP code to the next mails (a bounce, a busy server).
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly parsed: ParsedMail;
  readonly raw: string;
  readonly recipients: readonly string[];
}

export interface TestSmtpServer {
  readonly url: string;
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Answer `code` (e.g. 550, 451) to the next `count` mails instead of accepting them. */
  refuse(code: number, count?: number): void;
  /** Resolves with the first mail that satisfies `match`, waiting up to `ms`. */
  waitFor(match: (mail: ReceivedMail) => boolean, what: string, ms?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  let refusals: { code: number; count: number } | null = null;
  const listeners = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusals && refusals.count > 0) {
          refusals.count--;
          const error = Object.assign(new Error(refusals.code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: refusals.code });
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const recipients = session.envelope.rcptTo.map((to) => to.address);
        void simpleParser(raw).then((parsed) => {
          mails.push({ parsed, raw, recipients });
          for (const listener of listeners) listener();
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    refuse(code, count = 1) {
      refusals = { code, count };
    },
    waitFor(match, what, ms = 15_000) {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => (listeners.delete(check), reject(new Error(`no mail ${what} arrived within ${ms / 1000} s (${mails.length} arrived)`))), ms);
        const check = (): void => {
          const mail = mails.find(match);
          if (!mail) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(mail);
        };
        listeners.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
