export { appendToStream, appendToStreams } from './append';
export {
  CONFLICT_SQLSTATE,
  ConcurrencyConflictError,
  DuplicateEventIdError,
  isConcurrencyConflict,
  type ConflictReason,
} from './errors';
export { loadStream, type LoadStreamOptions, type LoadedStream } from './load-stream';
export { lockStreams } from './locks';
export { DEFAULT_READ_ALL_LIMIT, readAll, type ReadAllOptions, type ReadAllResult } from './read-all';
export { MAX_STREAM_VERSION, readStream, readStreamVersion, type ReadStreamOptions } from './read-stream';
export { readSnapshot, writeSnapshot } from './snapshots';
export {
  START_CHECKPOINT,
  type AppendResult,
  type Checkpoint,
  type ExpectedVersion,
  type JsonObject,
  type NewEvent,
  type Queryable,
  type Snapshot,
  type StoredEvent,
  type StreamAppend,
} from './types';
