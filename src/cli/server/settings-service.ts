/**
 * People's notification settings inside `tidings serve`: logins (OpenID Connect, or the local
 * development login when serve decides it is safe), sessions in the database, previews from the
 * archive, and the options the gateway needs for the settings API and pages.
 */
import { createHmac } from 'node:crypto';
import type { TidingsConfig } from '../../config/index.js';
import { ConfigError } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { SchemaRegistry } from '../../message/index.js';
import type { StoreDatabase } from '../../store/index.js';
import type { ArchiveQueries } from '../../archive/index.js';
import type { GatewayOptions } from '../../gateway/index.js';
import { isLoopback } from '../../gateway/index.js';
import { OidcLogin, SessionGuard, SessionStore } from '../../gateway/session/index.js';
import { NotifySettings, RulePreviewer, webhookSecret } from '../../notify/index.js';
import type { NotifyService } from './notify-service.js';

const PRUNE_EVERY_MS = 3_600_000;

export interface SettingsService {
  readonly routeOptions: NonNullable<GatewayOptions['settings']>;
  /** How people log in here, for the startup line. */
  readonly loginDescription: string;
  stop(): Promise<void>;
}

/** The development login, unless the configuration says: on only without a provider and on loopback only. */
export function devLoginAllowed(config: TidingsConfig, listenHost: string): boolean {
  const { dev_login: setting, oidc_issuer: issuer } = config.notify.auth;
  if (setting !== null) return setting && issuer === null;
  return issuer === null && (listenHost === 'localhost' || isLoopback(listenHost));
}

function oidcLoginOf(config: TidingsConfig): OidcLogin | null {
  const auth = config.notify.auth;
  if (!auth.oidc_issuer) return null;
  if (!auth.oidc_client_id) throw new ConfigError('notify.auth.oidc_issuer needs notify.auth.oidc_client_id: the client ID this server has at the provider', 'notify.auth.oidc_client_id');
  return new OidcLogin({ issuer: auth.oidc_issuer, clientId: auth.oidc_client_id, clientSecret: auth.oidc_client_secret, usernameClaim: auth.oidc_username_claim });
}

export function startSettingsService(
  config: TidingsConfig,
  database: StoreDatabase,
  notify: NotifyService,
  archive: ArchiveQueries | undefined,
  registry: SchemaRegistry,
  logger: Logger,
  listen: { host: string; tls: boolean },
): SettingsService {
  const log = logger.child({ part: 'settings' });
  const oidc = oidcLoginOf(config);
  const devLogin = devLoginAllowed(config, listen.host);
  const secureCookies = listen.tls || (config.notify.public_url?.startsWith('https:') ?? false);
  const sessions = new SessionStore(database);
  const guard = new SessionGuard(sessions, { secure: secureCookies }, config.notify.auth.session_hours * 3_600_000);
  const settings = new NotifySettings({
    store: notify.store,
    inbox: notify.inbox,
    links: notify.links,
    previewer: archive ? new RulePreviewer(notify.store, archive, registry) : null,
    sender: notify.notifier,
    kinds: notify.kinds,
  });
  const prune = (): void => {
    sessions.prune().then(
      (removed) => removed > 0 && log.info({ removed }, 'expired logins forgotten'),
      (error: unknown) => log.error({ err: error }, 'forgetting expired logins failed; trying again in an hour'),
    );
  };
  prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  if (devLogin) log.warn('the local development login is on: anyone who reaches this server can log in as anyone');
  return {
    routeOptions: {
      api: { settings, guard },
      web: {
        settings,
        guard,
        devLogin,
        oidc,
        admins: config.notify.auth.admins,
        publicBase: () => notify.links.url(''),
        secureCookies,
        logger: log,
        webhookSecretOf: (id) => webhookSecret(notify.secret, id),
      },
      // A key of its own for the login cookies, derived from the notify secret.
      cookieSecret: createHmac('sha256', notify.secret).update('tidings login cookies').digest('base64url'),
    },
    loginDescription: oidc ? `login with ${oidc.issuer}` : devLogin ? 'local development login (anyone may log in as anyone)' : 'no login configured (notify.auth.oidc_issuer)',
    async stop() {
      clearInterval(timer);
    },
  };
}
