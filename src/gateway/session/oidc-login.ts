/**
 * Login with OpenID Connect (the authorization code flow with PKCE, state and nonce), through
 * openid-client. The provider's metadata is discovered on first use and kept; a provider that is
 * down makes that login fail with a clear reason and is asked again at the next one, never at start,
 * so serve starts whatever the provider's state.
 */
import * as oidc from 'openid-client';
import { LoginError } from './errors.js';

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  /** The ID token (or userinfo) claim holding the account name. */
  readonly usernameClaim: string;
}

/** What a login in progress must remember until the provider sends the person back. */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** Where to go after logging in: a path on this server. */
  readonly next: string;
}

/** Who logged in, as the provider vouches. */
export interface OidcIdentity {
  readonly username: string;
  /** Present only when the provider says it verified the address. */
  readonly verifiedEmail: string | null;
  readonly groups: readonly string[];
}

const stringClaim = (claims: Record<string, unknown>, name: string): string | undefined => {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

export class OidcLogin {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  private discover(): Promise<oidc.Configuration> {
    this.configuration ??= (async () => {
      const issuer = new URL(this.settings.issuer);
      const auth = this.settings.clientSecret ? oidc.ClientSecretBasic(this.settings.clientSecret) : oidc.None();
      // An http issuer is the operator's explicit choice (a provider on the same host); openid-client
      // refuses plain HTTP unless told.
      const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
      return oidc.discovery(issuer, this.settings.clientId, undefined, auth, options);
    })().catch((error: unknown) => {
      this.configuration = undefined;
      throw new LoginError(`the login provider ${this.settings.issuer} cannot be reached or answered no OpenID configuration: ${(error as Error).message}`, { cause: error });
    });
    return this.configuration;
  }

  /** The provider URL to send the person to, and what to remember until they come back. */
  async begin(redirectUri: string, next: string): Promise<{ url: string; pending: PendingLogin }> {
    const configuration = await this.discover();
    const pending: PendingLogin = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), next };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /** Completes the login from the URL the provider sent the person back to. */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<OidcIdentity> {
    const configuration = await this.discover();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = { ...(tokens.claims() ?? {}) };
      // Providers often keep the profile (the account name, email) for the userinfo endpoint.
      if (stringClaim(claims, this.settings.usernameClaim) === undefined || claims['email'] === undefined) {
        const info = await oidc.fetchUserInfo(configuration, tokens.access_token, String(claims['sub']));
        claims = { ...info, ...claims };
      }
    } catch (error) {
      throw new LoginError(`the login provider did not accept this login: ${(error as Error).message}`, { cause: error });
    }
    const username = stringClaim(claims, this.settings.usernameClaim);
    if (!username) throw new LoginError(`the login provider gave no "${this.settings.usernameClaim}" claim: set notify.auth.oidc_username_claim to the claim holding the account name`);
    const email = stringClaim(claims, 'email');
    const groups = Array.isArray(claims['groups']) ? claims['groups'].filter((group): group is string => typeof group === 'string') : [];
    return { username, verifiedEmail: email && claims['email_verified'] === true ? email : null, groups };
  }
}
