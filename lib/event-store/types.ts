import type { Pool, PoolClient } from 'pg';
import type { Tx } from '../platform/db/pool';

/** Anything that can run one statement: a pool (its own implicit transaction) or a client. */
export type Queryable = Pool | PoolClient;

/** Where a stream must be for an append to go through: exactly version n, no stream yet (0 events), or anything. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export type JsonObject = { [key: string]: unknown };

export interface NewEvent {
  /** A uuid; generated when absent. Unique across the store. */
  eventId?: string;
  type: string;
  data: JsonObject;
  metadata?: JsonObject;
}

export interface StreamAppend {
  streamId: string;
  streamType: string;
  expectedVersion: ExpectedVersion;
  /** At least one. */
  events: readonly NewEvent[];
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after this append: pass it as expectedVersion of the next one. */
  nextExpectedVersion: number;
  /** Global positions (bigint as a decimal string) of the appended events, in order. */
  positions: string[];
}

export interface StoredEvent {
  /** bigint as a decimal string. */
  globalPosition: string;
  /** xid8 as a decimal string. */
  transactionId: string;
  eventId: string;
  streamId: string;
  streamType: string;
  /** 1 for a stream's first event. */
  streamVersion: number;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  createdAt: Date;
}

/** A position in the gap-free global order (transaction_id, global_position), both bigint decimal strings. */
export interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

export const START_CHECKPOINT: Checkpoint = Object.freeze({ transactionId: '0', globalPosition: '0' });

export interface Snapshot<State = JsonObject> {
  streamId: string;
  /** The stream version the state includes. */
  version: number;
  /** Version of the state's shape, chosen by the writer. */
  schemaVersion: number;
  state: State;
}

export type { Tx };
