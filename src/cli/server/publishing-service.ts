/**
 * Publishing inside `tidings serve`: identities, the gateway's signing key, a bus connection for
 * HTTP publishes, and the same policy for hub clients (HubAccess).
 */
import type { TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { createPublicKey } from 'node:crypto';
import { Bus, type TrustDocument } from '../../bus/index.js';
import { publicKeyId, type SchemaRegistry } from '../../message/index.js';
import { IdentityStore, SigningKeyStore, type StoreDatabase } from '../../store/index.js';
import { Authenticator, HubAccess, TopicPolicy, type PublishRouteOptions } from '../../gateway/index.js';
import type { BusBackend } from './backend.js';

export interface PublishingService {
  readonly routeOptions: PublishRouteOptions;
  readonly hubAccess: HubAccess;
  stop(): Promise<void>;
}

export async function startPublishingService(
  config: TidingsConfig,
  database: StoreDatabase,
  backend: BusBackend,
  registry: SchemaRegistry,
  logger: Logger,
): Promise<PublishingService> {
  const bus = new Bus(await backend.connect('tidings-gateway'), {
    registry,
    logger: logger.child({ part: 'gateway' }),
    maxBodyBytes: config.max_message_bytes,
    publishTimeoutMs: config.publish_timeout * 1000,
    exchange: config.publish_exchange,
  });
  const keys = new SigningKeyStore(database);
  const identities = new IdentityStore(database);
  const signingKey = await keys.gatewayKey();
  const trust = async (): Promise<TrustDocument> => ({
    gateway_keys: [...(await keys.gatewayPublicKeys())].map(([keyId, key]) => ({
      key_id: keyId,
      public_key: key.export({ type: 'spki', format: 'pem' }).toString(),
    })),
    identities: (await identities.list()).map((identity) => ({
      name: identity.name,
      topics: identity.topics,
      key_id: identity.publicKey ? publicKeyId(createPublicKey(identity.publicKey)) : null,
      public_key: identity.publicKey,
      revoked: identity.revokedAt !== null,
    })),
  });
  const authenticator = new Authenticator(identities);
  const topicPolicy = new TopicPolicy();
  return {
    hubAccess: new HubAccess(config.gateway.hub_access, authenticator, signingKey, topicPolicy),
    routeOptions: {
      authenticator,
      topicPolicy,
      trust,
      signingKey,
      prepare: (init) => bus.prepare(init, { raw: true }),
      send: (message) => bus.send(message),
      ratePerMinute: config.gateway.rate_per_minute,
      maxDepth: config.gateway.max_depth,
      // Room for a batch; a single message is still held to max_message_bytes (413).
      bodyLimit: config.max_message_bytes * 4,
    },
    stop: () => bus.close(),
  };
}
