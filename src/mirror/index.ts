/**
 * Triggered mirroring: hint paths (checked and reduced to subtrees), tree manifests and their diffs,
 * and the ordered sync (content, then metadata, then deletions) that never shows a client an index
 * pointing at a missing file. The agents and the announcer build on these.
 */
export { HintPathError, SyncError, TreeLockedError } from './errors.js';
export type { SyncStage, LockHolder } from './errors.js';
export { normalizeHint, coverSubtrees, commonAncestor, subtreesOfFiles, MAX_SUBTREES, WHOLE_TREE } from './hints.js';
export { buildManifest, formatManifest, parseManifest, diffManifests, PRIVATE_DIRECTORY } from './manifest.js';
export type { ManifestEntry, ManifestDiff } from './manifest.js';
export { orderedSync, DEFAULT_METADATA_PATTERNS } from './ordered-sync.js';
export type { OrderedSyncOptions, OrderedSyncReport, StageReport } from './ordered-sync.js';
export { runRsync, parseRsyncOutput } from './rsync.js';
export type { RsyncResult } from './rsync.js';
export { formatTrace, parseTrace, readTrace, writeTrace, tracePath, TRACE_DIRECTORY } from './trace.js';
export type { Trace } from './trace.js';
export { TreeLock } from './lock.js';
export { MasterAnnouncer, MASTER_TOPICS, MASTER_NAME, MANIFEST_FILE, nextSerial } from './announcer.js';
export type { Announcement, MasterAnnouncerOptions } from './announcer.js';
export { MirrorAgent, SYNC_TOPICS } from './agent.js';
export type { MirrorAgentOptions, AgentState } from './agent.js';
export { owe } from './agent-state.js';
export type { PendingSync, Pull, Hop } from './agent-state.js';
export { parseAgentConfig, loadAgentConfig } from './agent-config.js';
export { TreeWatcher } from './watcher.js';
export type { TreeWatcherOptions } from './watcher.js';
export { MirrorStatusBoard } from './status.js';
export type { MirrorStatus, MasterStatus } from './status.js';
