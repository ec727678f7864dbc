export { openDatabase, StoreError } from './database.js';
export type { StoreDatabase, StoreOptions, Dialect } from './database.js';
export { ArchiveStore, toStoredMessage } from './archive-store.js';
export type { ArchiveRecord, StoredMessage } from './archive-store.js';
export type { Database, MessageRow, FactTable } from './schema.js';
export { IdentityStore, IdentityError, parseToken } from './identity-store.js';
export type { Identity, NewIdentity } from './identity-store.js';
export { SigningKeyStore } from './signing-key-store.js';
export type { SigningKey } from './signing-key-store.js';
