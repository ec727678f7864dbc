/**
 * The message part: the event model (envelope, headers, severity, sent-at), topics and topic
 * patterns, schemas and their registry, and the JSON forms. It imports nothing else of Tidings.
 */
export {
  TidingsError,
  MessageValidationError,
  MessageFormatError,
  InvalidTopicError,
  MessageTooLargeError,
  SchemaConflictError,
  SchemaDefinitionError,
} from './errors.js';
export type { ValidationIssue } from './errors.js';

export { Severity, Header, FactHeaderPrefix, BASE_SCHEMA_NAME } from './message.js';
export type { SeverityLevel, FactName, HeaderValue, Headers, Body, Message, DerivedFacts } from './message.js';

export {
  MAX_TOPIC_BYTES,
  topicWords,
  assertValidTopic,
  assertValidPattern,
  isValidTopic,
  categoryOf,
} from './topic.js';
export { topicMatches, TopicMatcher } from './topic-matcher.js';

export { parseSeverity, severityName, isSeverityLevel } from './severity.js';
export { formatSentAt, parseSentAt } from './time.js';

export { baseSchema, defineSchema, deriveFacts, deriveListFacts, summarizeBody, LIST_FACTS } from './schema.js';
export type {
  MessageSchema,
  SchemaDefinition,
  SchemaFacts,
  JsonSchemaObject,
  TextFact,
  OptionalTextFact,
  ListFact,
} from './schema.js';
export { SchemaRegistry, defaultRegistry } from './registry.js';
export type { ResolvedSchema } from './registry.js';

export { createMessage, checkMessage, encodeCheckedBody, DEFAULT_MAX_BODY_BYTES } from './create.js';
export type { MessageInit, CheckOptions } from './create.js';
export { formatMessageLine, parseMessageLine, decodeBody, encodeBody } from './codec.js';
export type { ParsedMessage } from './codec.js';
export { canonicalJson } from './canonical.js';
export { SignatureHeader, signMessage, checkSignature, signingPayload, publicKeyId } from './signing.js';
export type { SignatureCheck } from './signing.js';
