/**
 * What delivery hands a channel, and what a channel must do with it. A channel (email, IRC, Matrix,
 * webhook, inbox) turns one DeliveryJob into one send: a single notification, a digest of several,
 * or a destination's confirmation code. Everything a channel needs is in the job: it never reads the
 * store or the bus, so channels are tested against their real peers alone.
 */
import type { Destination, DestinationKind, MatchReason } from '../model.js';

/** A commit pushed (git.receive): what commit mail shows of it. */
export interface CommitExcerpt {
  readonly repository: string;
  readonly branch: string;
  readonly rev: string;
  readonly author: string;
  readonly subject: string;
  readonly message: string;
  /** Lines added/removed per file, when the message said. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly insertions: number; readonly deletions: number }>;
  /** The start of the patch (at most PATCH_EXCERPT_BYTES); `patchTruncated` when there was more. */
  readonly patch: string;
  readonly patchTruncated: boolean;
}

/** One message as a person is told of it: rendered once when it matched, stored with the job. */
export interface Notification {
  readonly messageId: string;
  /** The full topic, prefix included. */
  readonly topic: string;
  /** The application (`buildsys`, `bodhi`, `git`…): the schema's app fact, else the topic's category. */
  readonly app: string;
  readonly summary: string;
  readonly url: string | null;
  /** fedora-messaging level: 10, 20, 30, 40. */
  readonly severity: number;
  /** ISO 8601, when the message was sent (or matched, when it did not say). */
  readonly sentAt: string;
  readonly agent: string | null;
  readonly usernames: readonly string[];
  readonly packages: readonly string[];
  /** Why this destination hears of it; the first is the main one. */
  readonly reasons: readonly MatchReason[];
  readonly commit: CommitExcerpt | null;
}

/** Links a channel puts in what it sends; built by delivery from the public URL and a server secret. */
export interface DeliveryLinks {
  /** The settings pages. */
  readonly settings: string;
  /** The page of one rule. */
  rule(ruleId: string): string;
  /** One-click unsubscribe of a destination (RFC 8058: POST to it stops the destination). */
  unsubscribe(destinationId: string): string;
  /** Where a person enters (or follows) a destination's confirmation code. */
  verify(destinationId: string, code: string): string;
}

export type DeliveryJob =
  | {
      readonly kind: 'notification';
      /** Stable across retries: use it as an idempotency key (Message-ID, Matrix txnId, webhook delivery id). */
      readonly id: string;
      readonly destination: Destination;
      readonly notification: Notification;
      readonly links: DeliveryLinks;
    }
  | {
      readonly kind: 'digest';
      readonly id: string;
      readonly destination: Destination;
      /** Oldest first; never empty. */
      readonly notifications: readonly Notification[];
      /** What the digest covers, ISO 8601. */
      readonly since: string;
      readonly until: string;
      readonly links: DeliveryLinks;
    }
  | {
      readonly kind: 'verification';
      readonly id: string;
      readonly destination: Destination;
      /** The code the owner must enter; also embedded in `links.verify`. */
      readonly code: string;
      readonly links: DeliveryLinks;
    };

/**
 * A way of sending. `send` resolves once the peer accepted the job (SMTP 250, IRC line written and
 * the server still connected, Matrix event id returned, webhook 2xx), and throws DeliveryError
 * otherwise. It may be called concurrently for different jobs.
 */
export interface Channel {
  readonly kind: DestinationKind;
  send(job: DeliveryJob): Promise<void>;
  close(): Promise<void>;
}
