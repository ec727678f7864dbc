/**
 * Tidings as a library: what a service imports to publish and consume. `import { connect } from 'tidings'`.
 */
export { connect, openTransport, DEFAULT_URL } from './connect.js';
export type { ConnectOptions } from './connect.js';
export * from './bus/index.js';
export { appSchemas, createSchemaCatalog, createSchemaRegistry, SchemaCatalog, type AppSchema } from './schemas/index.js';
export { loadTrust, TrustClient, DEFAULT_TRUST_REFRESH_MS } from './trust-client.js';
export type { LoadTrustOptions } from './trust-client.js';
export {
  TidingsError,
  MessageValidationError,
  MessageFormatError,
  InvalidTopicError,
  MessageTooLargeError,
  SchemaConflictError,
  SchemaDefinitionError,
  Severity,
  Header,
  FactHeaderPrefix,
  BASE_SCHEMA_NAME,
  TopicMatcher,
  topicMatches,
  categoryOf,
  assertValidTopic,
  assertValidPattern,
  baseSchema,
  defineSchema,
  SchemaRegistry,
  createMessage,
  formatMessageLine,
  parseMessageLine,
  DEFAULT_MAX_BODY_BYTES,
  SignatureHeader,
  signMessage,
  checkSignature,
  publicKeyId,
  canonicalJson,
} from './message/index.js';
export type {
  Message,
  MessageInit,
  Headers,
  HeaderValue,
  Body,
  DerivedFacts,
  SeverityLevel,
  MessageSchema,
  SchemaDefinition,
  ValidationIssue,
  ParsedMessage,
} from './message/index.js';
