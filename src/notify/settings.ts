/**
 * The settings as people change them — one face for the REST API and the web pages, so both refuse,
 * confirm and send codes alike. It adds to the store what a request needs beyond storage: a new
 * destination's code is sent to it, destinations are offered only for the channels this server runs,
 * and a rule can be previewed before it is saved.
 */
import { DestinationValidationError, PreviewUnavailableError } from './errors.js';
import type { Destination, DestinationKind, NotifyUser, Rule } from './model.js';
import type { RulePreview, RulePreviewer } from './preview.js';
import type { InboxPage, InboxStore, NotifyStore } from './store/index.js';
import type { LinkBuilder } from './delivery/index.js';

/** Who sends destinations their codes (the Notifier, through the channel's own queue). */
export interface VerificationSender {
  sendVerification(destination: Destination, code: string): Promise<void>;
}

export interface NotifySettingsOptions {
  readonly store: NotifyStore;
  readonly inbox: InboxStore;
  readonly links: LinkBuilder;
  /** Null when the archive is off: previews cannot be made. */
  readonly previewer: RulePreviewer | null;
  /** Null when notifications are off: codes cannot be sent. */
  readonly sender: VerificationSender | null;
  /** The kinds of destination this server delivers to (the inbox always). */
  readonly kinds: readonly DestinationKind[];
}

export interface Me extends NotifyUser {
  readonly feedUrl: string;
  readonly kinds: readonly DestinationKind[];
}

/** What happened to a new destination's code. */
export type CodeDelivery = { readonly sent: true } | { readonly sent: false; readonly reason: string };

const KIND_SETTINGS: Record<DestinationKind, string> = {
  email: 'notify.email.smtp_url',
  irc: 'notify.irc.server',
  matrix: 'notify.matrix.homeserver and notify.matrix.access_token',
  webhook: 'notify.enabled',
  inbox: 'notify.enabled',
};

export class NotifySettings {
  readonly store: NotifyStore;

  constructor(private readonly options: NotifySettingsOptions) {
    this.store = options.store;
  }

  get kinds(): readonly DestinationKind[] {
    return this.options.kinds;
  }

  get canPreview(): boolean {
    return this.options.previewer !== null;
  }

  /** The person, made on first sight with the default inbox and rule. */
  async me(user: string): Promise<Me> {
    const found = await this.options.store.ensureUser(user);
    return { ...found, feedUrl: this.options.links.feed(user), kinds: this.options.kinds };
  }

  rules(user: string): Promise<Rule[]> {
    return this.options.store.rules(user);
  }

  destinations(user: string): Promise<Destination[]> {
    return this.options.store.destinations(user);
  }

  /** Adds a destination and sends it its code; refused for a kind this server does not deliver to. */
  async addDestination(user: string, input: unknown): Promise<{ destination: Destination; code: CodeDelivery }> {
    const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
    if (typeof kind === 'string' && kind !== 'inbox' && kind in KIND_SETTINGS && !this.options.kinds.includes(kind as DestinationKind)) {
      throw new DestinationValidationError('kind', `this server sends no ${kind} notifications (its operator has not set ${KIND_SETTINGS[kind as DestinationKind]})`);
    }
    const { destination, code } = await this.options.store.addDestination(user, input);
    return { destination, code: await this.sendCode(destination, code) };
  }

  /** A new code for an unconfirmed destination, sent to it. */
  async resendCode(user: string, id: string): Promise<CodeDelivery> {
    const code = await this.options.store.renewCode(user, id);
    return this.sendCode(await this.options.store.getDestination(user, id), code);
  }

  private async sendCode(destination: Destination, code: string): Promise<CodeDelivery> {
    if (!this.options.sender) return { sent: false, reason: 'notifications are off on this server (notify.enabled = false)' };
    await this.options.sender.sendVerification(destination, code);
    return { sent: true };
  }

  /** A rule as entered, run over the archive's last 7 days. */
  async preview(user: string, input: unknown): Promise<RulePreview> {
    if (!this.options.previewer) throw new PreviewUnavailableError('previews need the archive, which is off on this server (archive.enabled = false)');
    return this.options.previewer.preview(user, input);
  }

  inbox(user: string, options: { limit?: number; before?: number; unreadOnly?: boolean } = {}): Promise<InboxPage> {
    return this.options.inbox.list(user, options);
  }

  markRead(user: string, ids: readonly string[] | 'all'): Promise<number> {
    return this.options.inbox.markRead(user, ids);
  }
}
