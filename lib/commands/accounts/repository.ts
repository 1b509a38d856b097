import { foldAccount, initialState, type AccountState, type OpenAccountState, evolve } from '../banking/account';
import type { AccountEvent } from '../banking/events';
import type { Tx } from '../../platform/db/pool';
import { appendToStreams } from '../../event-store/append';
import { loadStream } from '../../event-store/load-stream';
import { writeSnapshot } from '../../event-store/snapshots';
import type { Queryable } from '../../event-store/types';
import { ACCOUNT_STREAM_TYPE, fromStoredEvent, toNewEvent } from './codec';
import {
  ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
  crossesSnapshotBoundary,
  decodeSnapshotState,
  encodeSnapshotState,
} from './snapshot';
import type { CommandContext } from './types';

export interface LoadAt {
  /** The account as of this version. */
  toVersion?: number;
  /** The account as of this instant. */
  until?: Date;
}

/**
 * An account's state: newest snapshot (at or below the target) + the events after it, in one round trip.
 * Read it BEFORE the transaction writes anything (see lib/event-store/append.ts).
 */
export async function loadAccount(db: Queryable, accountId: string, at: LoadAt = {}): Promise<AccountState> {
  const { snapshot, events } = await loadStream(db, accountId, {
    snapshotSchemaVersion: ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
    ...at,
  });
  let state: AccountState = snapshot ? decodeSnapshotState(accountId, snapshot.version, snapshot.state) : initialState;
  let version = snapshot?.version ?? 0;
  for (const event of events) {
    if (event.streamVersion !== version + 1) {
      throw new Error(`Account ${accountId}: expected version ${version + 1}, read ${event.streamVersion}`);
    }
    state = evolve(state, fromStoredEvent(event));
    version = event.streamVersion;
  }
  if (state.status === 'open' && state.version !== version) {
    throw new Error(`Account ${accountId}: state version ${state.version} does not match stream version ${version}`);
  }
  return state;
}

export interface AccountChange {
  accountId: string;
  /** The state the events were decided on: its version is the expected version. */
  state: AccountState;
  events: readonly AccountEvent[];
}

/**
 * Appends the decided events of one or more accounts atomically (one round trip), then writes a snapshot for every
 * account whose version crossed a multiple of `snapshotEvery`, in the same transaction. Returns the new states in
 * the order of `changes`.
 */
export async function saveAccounts(
  tx: Tx,
  changes: readonly AccountChange[],
  ctx: CommandContext,
  snapshotEvery: number,
): Promise<OpenAccountState[]> {
  await appendToStreams(
    tx,
    changes.map((change) => ({
      streamId: change.accountId,
      streamType: ACCOUNT_STREAM_TYPE,
      expectedVersion: change.state.status === 'new' ? 'no_stream' : change.state.version,
      events: change.events.map((event) => toNewEvent(event, ctx)),
    })),
  );
  const states: OpenAccountState[] = [];
  for (const change of changes) {
    const next = foldAccount(change.events, change.state);
    if (next.status !== 'open') throw new Error(`Account ${change.accountId} is not open after its events`);
    const previousVersion = change.state.status === 'open' ? change.state.version : 0;
    if (crossesSnapshotBoundary(previousVersion, next.version, snapshotEvery)) {
      await writeSnapshot(tx, {
        streamId: change.accountId,
        version: next.version,
        schemaVersion: ACCOUNT_SNAPSHOT_SCHEMA_VERSION,
        state: encodeSnapshotState(next),
      });
    }
    states.push(next);
  }
  return states;
}
