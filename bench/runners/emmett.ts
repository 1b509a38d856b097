import {
  getPostgreSQLEventStore,
  postgreSQLEventStoreConsumer,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import type { Event } from '@event-driven-io/emmett';
import type { Pool } from 'pg';
import { EVENT_DATA, EVENT_TYPE, eventMetadata } from './payload';

type DepositEvent = Event<
  typeof EVENT_TYPE,
  { amount: number; description: string },
  { correlationId: string; schemaVersion: number }
>;

function depositEvent(): DepositEvent {
  return { type: EVENT_TYPE, data: { ...EVENT_DATA }, metadata: eventMetadata() };
}

/** Emmett's PostgreSQL event store on the bench database, sharing the given pg pool (same pool size as ours). */
export async function openEmmett(url: string, pool: Pool): Promise<PostgresEventStore> {
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return store;
}

/** Emmett names streams "<type>-<id>"; the part before the first dash becomes the stream type. */
export function emmettStreamName(id: string): string {
  return `account-${id}`;
}

/**
 * One checked append of one event. `expected` is the version the writer last saw (0n = new stream).
 * Returns the next version, or null when Emmett refused it as a version conflict.
 */
export async function emmettAppend(
  store: PostgresEventStore,
  stream: string,
  expected: bigint,
): Promise<bigint | null> {
  try {
    const result = await store.appendToStream<DepositEvent>(stream, [depositEvent()], {
      expectedStreamVersion: expected === 0n ? 'STREAM_DOES_NOT_EXIST' : expected,
    });
    return result.nextExpectedStreamVersion;
  } catch (error) {
    // Emmett's ExpectedVersionConflictError (a ConcurrencyError) carries HTTP-like errorCode 412.
    if ((error as { errorCode?: unknown }).errorCode === 412) return null;
    throw error;
  }
}

/** Appends `count` events to one stream in chunks (setup for the read comparison). */
export async function emmettFillStream(
  store: PostgresEventStore,
  stream: string,
  count: number,
  chunk = 500,
): Promise<void> {
  let expected = 0n;
  for (let written = 0; written < count; written += chunk) {
    const events = Array.from({ length: Math.min(chunk, count - written) }, depositEvent);
    const result = await store.appendToStream<DepositEvent>(stream, events, {
      expectedStreamVersion: expected === 0n ? 'STREAM_DOES_NOT_EXIST' : expected,
    });
    expected = result.nextExpectedStreamVersion;
  }
}

/** The current version of a stream, reading only events after `known` (Emmett has no version-only read). */
export async function emmettCurrentVersion(store: PostgresEventStore, stream: string, known: bigint): Promise<bigint> {
  const result = await store.readStream(stream, { from: known + 1n });
  return result.events.length > 0 ? result.currentStreamVersion : known;
}

/** Reads and folds a whole stream with Emmett's aggregateStream; returns the folded balance. */
export async function emmettAggregate(store: PostgresEventStore, stream: string): Promise<number> {
  const { state } = await store.aggregateStream<{ balance: number; count: number }, DepositEvent>(stream, {
    initialState: () => ({ balance: 0, count: 0 }),
    evolve: (state: { balance: number; count: number }, event: DepositEvent) => ({
      balance: state.balance + event.data.amount,
      count: state.count + 1,
    }),
  });
  return state.balance;
}

export interface ConsumeResult {
  delivered: number;
  unique: number;
  ms: number;
}

/**
 * Emmett's consumer from the beginning of the store with one reactor counting what it is handed; stops when Emmett
 * itself sees no messages left. `pulling` unset = Emmett's defaults (batch 100, 50 ms pulling frequency).
 */
export async function emmettConsumeAll(
  url: string,
  processorId: string,
  pulling?: { batchSize: number; pullingFrequencyInMs: number },
): Promise<ConsumeResult> {
  const seen = new Set<string>();
  let delivered = 0;
  const consumer = postgreSQLEventStoreConsumer({
    connectionString: url,
    stopWhen: { noMessagesLeft: true },
    ...(pulling ? { pulling } : {}),
  });
  consumer.reactor({
    processorId,
    startFrom: 'BEGINNING',
    eachMessage: (message: { metadata: { messageId: unknown } }) => {
      delivered += 1;
      seen.add(String(message.metadata.messageId));
      return Promise.resolve();
    },
  });
  const t0 = performance.now();
  try {
    await consumer.start();
  } finally {
    await consumer.close();
  }
  return { delivered, unique: seen.size, ms: performance.now() - t0 };
}
