import { randomUUID } from 'node:crypto';
import { ConcurrencyConflictError, mapAppendError } from './errors';
import { assertWritable } from './queryable';
import { readStreamVersion } from './read-stream';
import type { AppendResult, ExpectedVersion, NewEvent, Queryable, StreamAppend } from './types';

/*
 * Ordering rule for callers: read the expected versions BEFORE the transaction writes anything, and on
 * ConcurrencyConflictError retry the WHOLE transaction (read, decide, append again).
 *
 * Why: readAll() delivers events in (transaction_id, global_position) order, so each stream's versions must carry
 * increasing transaction ids. A transaction gets its id at its first write. If it read the expected version before
 * that, whoever wrote that version had already committed, hence already had its (smaller) id. A transaction that
 * took its id first and then read a version committed later by a newer transaction would put that stream's
 * versions out of order for the relay. The store refuses such an append (ConcurrencyConflictError, reason
 * 'transaction_order'); with a checked expected version it cannot occur.
 */

// Single-stream appends with a known expected version (the hot path) are one plain statement: the UPDATE (or, for
// a new stream, the INSERT) locks and checks the stream row, the events INSERT feeds on its one row, so a refused
// check inserts nothing. created_at is read after the row lock is held, so per stream it never decreases with the
// version. One event goes as scalar parameters (no array literals to build and parse), several as arrays. Every
// other append goes through event_store.append_to_streams() (migrations/0001_event_store.sql), which locks several
// streams in id order. No statement is named (prepared once per connection): behind a transaction pooler (RDS Proxy,
// PgBouncer) consecutive statements of one client may reach different server sessions, which do not know the name.
type EventShape = 'one' | 'many';

const EVENT_COUNT: Record<EventShape, string> = { one: '1', many: 'cardinality($4::uuid[])' };
const EVENT_SOURCE: Record<EventShape, string> = {
  one: '(VALUES ($4::uuid, $5::text, $6::jsonb, $7::jsonb, 1)) AS e(event_id, type, data, metadata, ord)',
  many: 'unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) WITH ORDINALITY AS e(event_id, type, data, metadata, ord)',
};

// $1 stream id, $2 expected version, $3 stream type, $4..$7 event ids, types, data, metadata.
function singleStreamAppend(kind: 'expected' | 'new', shape: EventShape) {
  const count = EVENT_COUNT[shape];
  const stream =
    kind === 'expected'
      ? `UPDATE event_store.streams
            SET version = version + ${count}, last_transaction_id = pg_current_xact_id(), updated_at = now()
          WHERE stream_id = $1 AND version = $2 AND last_transaction_id <= pg_current_xact_id()
         RETURNING version - ${count} AS base`
      : `INSERT INTO event_store.streams (stream_id, stream_type, version, last_transaction_id)
         VALUES ($1, $3, $2 + ${count}, pg_current_xact_id())
         ON CONFLICT (stream_id) DO NOTHING
         RETURNING $2 AS base`; // a new stream's base version is the expected 0
  return {
    text: `WITH stream AS (${stream})
           INSERT INTO event_store.events
             (event_id, stream_id, stream_type, stream_version, type, data, metadata, created_at)
           SELECT e.event_id, $1, $3, stream.base + e.ord::integer, e.type, e.data, e.metadata,
                  date_trunc('milliseconds', clock_timestamp())
             FROM stream, ${EVENT_SOURCE[shape]}
            ORDER BY e.ord
           RETURNING stream_version, global_position`,
  };
}

const SINGLE_STREAM_APPENDS = {
  expected: { one: singleStreamAppend('expected', 'one'), many: singleStreamAppend('expected', 'many') },
  new: { one: singleStreamAppend('new', 'one'), many: singleStreamAppend('new', 'many') },
};

const APPEND_MANY = {
  text: `SELECT appended_stream_id, appended_version, appended_position
           FROM event_store.append_to_streams($1::text[], $2::text[], $3::int[], $4::int[], $5::uuid[], $6::text[],
                                              $7::jsonb[], $8::jsonb[])`,
};

const MAX_VERSION = 2_147_483_647;

/**
 * Appends events to one or more streams atomically, checking each stream's expected version (see the ordering rule
 * above). `db` is a Tx (withTransaction) when the append is part of a larger unit of work, or a Pool for a
 * standalone append (one statement = its own transaction: the fastest path). One round trip in both cases (a
 * refused append takes a second one, to report the actual version).
 *
 * Throws ConcurrencyConflictError (streamId, expected, actual) or DuplicateEventIdError.
 */
export async function appendToStreams(db: Queryable, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  assertWritable(db);
  const [single] = appends;
  if (appends.length === 1 && single && single.expectedVersion !== 'any') {
    return [await appendSingle(db, single)];
  }
  return appendMany(db, appends);
}

/** One stream; see appendToStreams. */
export async function appendToStream(db: Queryable, append: StreamAppend): Promise<AppendResult> {
  const [result] = await appendToStreams(db, [append]);
  if (!result) throw new Error('appendToStream: no result');
  return result;
}

async function appendSingle(db: Queryable, append: StreamAppend): Promise<AppendResult> {
  const expected = encodeExpected(append.expectedVersion) ?? 0;
  const events = encodeEvents(append);
  const [id, type, data, metadata] = [events.ids[0], events.types[0], events.data[0], events.metadata[0]];
  const one = events.ids.length === 1;
  const statement = SINGLE_STREAM_APPENDS[expected === 0 ? 'new' : 'expected'][one ? 'one' : 'many'];
  const eventValues = one ? [id, type, data, metadata] : [events.ids, events.types, events.data, events.metadata];
  let rows: { stream_version: number; global_position: string }[];
  try {
    rows = (
      await db.query<{ stream_version: number; global_position: string }>({
        ...statement,
        values: [append.streamId, expected, append.streamType, ...eventValues],
      })
    ).rows;
  } catch (error) {
    throw mapAppendError(error, new Map([[append.streamId, append.expectedVersion]]));
  }
  if (rows.length === 0) {
    // Refused: nothing was written. Say why (a later read; good enough for an error report).
    const actual = (await readStreamVersion(db, append.streamId)) ?? 0;
    throw new ConcurrencyConflictError(
      append.streamId,
      append.expectedVersion,
      actual,
      actual === expected ? 'transaction_order' : 'version',
    );
  }
  return {
    streamId: append.streamId,
    nextExpectedVersion: expected + rows.length,
    positions: rows.map((row) => row.global_position),
  };
}

interface AppendedRow {
  appended_stream_id: string;
  appended_version: number;
  appended_position: string;
}

async function appendMany(db: Queryable, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  if (appends.length === 0) throw new Error('appendToStreams: no streams given');
  const expectedByStream = new Map<string, ExpectedVersion>();
  const eventStreams: number[] = [];
  const ids: string[] = [];
  const types: string[] = [];
  const data: string[] = [];
  const metadata: string[] = [];
  appends.forEach((append, index) => {
    if (expectedByStream.has(append.streamId)) {
      throw new Error(`appendToStreams: stream ${append.streamId} given twice; merge its events into one append`);
    }
    expectedByStream.set(append.streamId, append.expectedVersion);
    const events = encodeEvents(append);
    for (let i = 0; i < events.ids.length; i += 1) eventStreams.push(index + 1);
    ids.push(...events.ids);
    types.push(...events.types);
    data.push(...events.data);
    metadata.push(...events.metadata);
  });

  let rows: AppendedRow[];
  try {
    rows = (
      await db.query<AppendedRow>({
        ...APPEND_MANY,
        values: [
          appends.map((append) => append.streamId),
          appends.map((append) => append.streamType),
          appends.map((append) => encodeExpected(append.expectedVersion)),
          eventStreams,
          ids,
          types,
          data,
          metadata,
        ],
      })
    ).rows;
  } catch (error) {
    throw mapAppendError(error, expectedByStream);
  }

  const results = new Map<string, AppendResult>(
    appends.map((append) => [append.streamId, { streamId: append.streamId, nextExpectedVersion: 0, positions: [] }]),
  );
  for (const row of rows) {
    const result = results.get(row.appended_stream_id);
    if (!result) throw new Error(`append_to_streams returned unknown stream ${row.appended_stream_id}`);
    result.nextExpectedVersion = Math.max(result.nextExpectedVersion, row.appended_version);
    result.positions.push(row.appended_position);
  }
  return [...results.values()];
}

function encodeEvents(append: StreamAppend) {
  if (append.events.length === 0) throw new Error(`appendToStreams: no events for stream ${append.streamId}`);
  // JSON is serialised here: pg would turn a top-level JSON array into a nested SQL array.
  return {
    ids: append.events.map((event: NewEvent) => event.eventId ?? randomUUID()),
    types: append.events.map((event) => event.type),
    data: append.events.map((event) => JSON.stringify(event.data)),
    metadata: append.events.map((event) => JSON.stringify(event.metadata ?? {})),
  };
}

/** 'any' → null, 'no_stream' → 0 (versions start at 1, so "no stream" is "version 0"), n → n. */
function encodeExpected(expected: ExpectedVersion): number | null {
  if (expected === 'any') return null;
  if (expected === 'no_stream') return 0;
  if (!Number.isInteger(expected) || expected < 0 || expected > MAX_VERSION) {
    throw new Error(`Invalid expected version ${String(expected)}`);
  }
  return expected;
}
