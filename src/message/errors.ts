/**
 * The root of every error Tidings throws on purpose. Each subclass carries a stable `code` that
 * callers (and the CLI's exit-code table) switch on, and wraps the underlying failure as `cause`.
 */
export abstract class TidingsError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ValidationIssue {
  /** JSON Pointer into the body (or the envelope) of the failing value; "" is the root. */
  readonly path: string;
  /** The rule that was broken: a JSON Schema keyword ("type", "required"…) or an envelope rule. */
  readonly rule: string;
  readonly message: string;
}

/** The message's body does not satisfy its schema. */
export class MessageValidationError extends TidingsError {
  readonly code = 'MESSAGE_INVALID';
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message is not a well-formed Tidings message: not JSON, body not an object, bad id… */
export class MessageFormatError extends TidingsError {
  readonly code = 'MESSAGE_MALFORMED';
}

/** A topic (or a topic pattern) breaks the topic rules: empty words, wildcards, too long. */
export class InvalidTopicError extends TidingsError {
  readonly code = 'TOPIC_INVALID';
}

/** The serialized body is larger than the configured limit. */
export class MessageTooLargeError extends TidingsError {
  readonly code = 'MESSAGE_TOO_LARGE';
  constructor(
    readonly size: number,
    readonly limit: number,
    topic: string,
  ) {
    super(
      `the body of "${topic}" is ${size} bytes, over the limit of ${limit} bytes: ` +
        'publish a reference to large content instead of the content (or raise max_message_bytes)',
    );
  }
}

/** Two different schemas claim the same name or alias in one registry. */
export class SchemaConflictError extends TidingsError {
  readonly code = 'SCHEMA_CONFLICT';
}

/** A schema definition is unusable: no name, or a body schema that is not valid JSON Schema. */
export class SchemaDefinitionError extends TidingsError {
  readonly code = 'SCHEMA_INVALID';
}
