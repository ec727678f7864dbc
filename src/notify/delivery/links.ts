/**
 * The links in notifications, and the tokens that make the unsubscribe and verification links work
 * without a login: an HMAC of the destination id (and code) under a server secret, so that a link
 * cannot be forged for someone else's destination, and stays valid until the secret changes.
 *
 * URL scheme (served by the settings part):
 *   /settings                                     the settings pages
 *   /settings/rules/<rule id>                     one rule
 *   /notify/unsubscribe/<destination id>?token=T  GET shows a confirm button; POST (RFC 8058 one-click) disables it
 *   /settings/destinations/<id>/verify?code=C     fills in the confirmation code
 *   /notify/feed/<user>.atom?token=T              the web inbox as an Atom feed
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryLinks } from './types.js';

export class LinkBuilder implements DeliveryLinks {
  /**
   * `publicUrl`: where people reach serve, e.g. `https://tidings.example.org` (a path prefix is
   * kept); a function when it is known only once serve listens (port 0).
   */
  constructor(
    private readonly publicUrl: string | (() => string),
    private readonly secret: Buffer,
  ) {}

  private get base(): string {
    return (typeof this.publicUrl === 'string' ? this.publicUrl : this.publicUrl()).replace(/\/+$/, '');
  }

  /** An absolute URL of this server for a path (`/login/callback`). */
  url(path: string): string {
    return `${this.base}${path}`;
  }

  get settings(): string {
    return `${this.base}/settings`;
  }

  rule(ruleId: string): string {
    return `${this.base}/settings/rules/${encodeURIComponent(ruleId)}`;
  }

  unsubscribe(destinationId: string): string {
    return `${this.base}/notify/unsubscribe/${encodeURIComponent(destinationId)}?token=${this.unsubscribeToken(destinationId)}`;
  }

  verify(destinationId: string, code: string): string {
    return `${this.base}/settings/destinations/${encodeURIComponent(destinationId)}/verify?code=${encodeURIComponent(code)}`;
  }

  /** A person's web inbox as an Atom feed, with the token feed readers present instead of a login. */
  feed(username: string): string {
    return `${this.base}/notify/feed/${encodeURIComponent(username)}.atom?token=${feedToken(this.secret, username)}`;
  }

  unsubscribeToken(destinationId: string): string {
    return createHmac('sha256', this.secret).update(`unsubscribe\0${destinationId}`).digest('base64url');
  }

  /** Constant-time check of an unsubscribe link's token. */
  isUnsubscribeToken(destinationId: string, token: string): boolean {
    return sameToken(token, this.unsubscribeToken(destinationId));
  }
}

/**
 * The key a webhook destination's requests are signed with (HMAC-SHA256 of the body): derived from
 * the server secret and the destination id, so it needs no storage and the settings pages can show
 * it to the owner at any time. A new key means a new destination (delete and add it again).
 */
export function webhookSecret(serverSecret: Buffer, destinationId: string): string {
  return createHmac('sha256', serverSecret).update(`webhook\0${destinationId}`).digest('base64url');
}

/** The token in a person's Atom feed URL: feed readers cannot log in. */
export function feedToken(serverSecret: Buffer, username: string): string {
  return createHmac('sha256', serverSecret).update(`feed\0${username}`).digest('base64url');
}

/** Constant-time comparison of two tokens. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
