export { ArchiveWriter, ARCHIVE_QUEUE, ARCHIVE_BATCH_SIZE, ARCHIVE_MAX_DELAY_MS } from './writer.js';
export type { ArchiveWriterOptions } from './writer.js';
export { recordOf } from './record.js';
export { ArchiveQueries, COUNT_CAP } from './query/engine.js';
export type { QueryResult } from './query/engine.js';
export { parseQuery, QueryParameterError, MAX_ROWS_PER_PAGE } from './query/parameters.js';
export type { QueryRequest } from './query/parameters.js';
export { legacyForm, messageForm, metaOf, storedAsMessage } from './query/present.js';
export { messageFromArchiveLine, recordFromMessage, derivedEnvelopeId } from './envelope.js';
