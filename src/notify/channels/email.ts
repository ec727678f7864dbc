/**
 * Email over SMTP (nodemailer, pooled connections so that a busy bus does not pay a TCP and SMTP
 * handshake per mail). The server's answer decides what delivery does next: 5xx is a refusal for
 * good (the address does not exist, the message is rejected), 4xx and connection failures are
 * worth another try later.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Channel, DeliveryJob } from '../delivery/types.js';
import { DeliveryError } from '../errors.js';
import { emailMessage } from './email-message.js';

export interface EmailChannelOptions {
  /** `smtp://HOST:PORT`, `smtps://USER:PASSWORD@HOST:465`. */
  readonly smtpUrl: string;
  readonly from: string;
  readonly logger?: Logger;
  /** Connections kept open to the server. */
  readonly connections?: number;
  /** Milliseconds to connect, greet and send before giving the try up. */
  readonly timeoutMs?: number;
}

interface SmtpFailure {
  readonly responseCode?: number;
  readonly code?: string;
  readonly message: string;
}

export class EmailChannel implements Channel {
  readonly kind = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly options: EmailChannelOptions) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({
      url: options.smtpUrl,
      pool: true,
      maxConnections: options.connections ?? 5,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as never);
  }

  async send(job: DeliveryJob): Promise<void> {
    try {
      await this.transport.sendMail(emailMessage(job, this.options.from));
    } catch (error) {
      const failure = error as SmtpFailure;
      const status = failure.responseCode;
      const permanent = status !== undefined && status >= 500 && status < 600;
      const reason = status !== undefined ? `the mail server answered ${status}: ${failure.message}` : `could not reach the mail server (${failure.code ?? 'error'}): ${failure.message}`;
      throw new DeliveryError(`email to ${job.destination.address}: ${reason.slice(0, 500)}`, { permanent, cause: error });
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
