/**
 * The git hook: announces pushes on the bus (one `git.receive` message per new commit, plus branch
 * and tag creations, deletions and forced updates), and never holds up or fails a push — what the
 * bus cannot take now waits in a spool in the repository and goes out first next time.
 */
export { runPostReceive, defaultSpoolDir, SPOOL_DIR_NAME, DEFAULT_MAX_COMMITS, DEFAULT_MAX_PATCH_BYTES } from './post-receive.js';
export type { PostReceiveOptions, PostReceiveReport } from './post-receive.js';
export { deliverSpool, DeliveryTimeoutError, SpoolBusyError } from './delivery.js';
export type { DeliveryOptions, DeliveryReport } from './delivery.js';
export { Spool, REJECTED_DIR } from './spool.js';
export { Git } from './git.js';
export { GitError, SpoolError } from './errors.js';
export { GIT_MESSAGES, messageForEvent, messagesForEvents } from './messages.js';
export type { MessageContext } from './messages.js';
export { analyzePush } from './push-events.js';
export type { PushEvent, PushLimits, TagDetails } from './push-events.js';
export { parseRefUpdates, classifyRef } from './ref-updates.js';
export type { RefUpdate, RefKind, RefAction } from './ref-updates.js';
export { parseCommitRecords, parseNumstat, parseTagObject, parseIdentLine, patchExcerpt, PATCH_TRUNCATED_MARKER } from './git-output.js';
export type { CommitRecord, FileStat, Person, PatchExcerpt } from './git-output.js';
export { repositoryIdentity, fullName, fillUrlTemplate } from './repository-name.js';
export type { RepositoryIdentity, NamingOptions } from './repository-name.js';
