import { assertInTransaction, type Tx } from '../platform/db/pool';
import type { JsonObject, Queryable, Snapshot } from './types';

const READ_SNAPSHOT = {
  text: `SELECT version, state FROM event_store.snapshots
          WHERE stream_id = $1 AND schema_version = $2 AND version <= $3
          ORDER BY version DESC
          LIMIT 1`,
};

/** The newest snapshot of the given state schema at or below `atOrBelow` (default: newest), or null. */
export async function readSnapshot<State = JsonObject>(
  db: Queryable,
  streamId: string,
  { schemaVersion, atOrBelow = 2_147_483_647 }: { schemaVersion: number; atOrBelow?: number },
): Promise<Snapshot<State> | null> {
  const result = await db.query<{ version: number; state: State }>({
    ...READ_SNAPSHOT,
    values: [streamId, schemaVersion, atOrBelow],
  });
  const row = result.rows[0];
  return row ? { streamId, version: row.version, schemaVersion, state: row.state } : null;
}

const WRITE_SNAPSHOT = {
  text: `INSERT INTO event_store.snapshots (stream_id, version, schema_version, state)
         VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (stream_id, version) DO UPDATE
           SET schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, created_at = now()`,
};

/**
 * Stores the state folded up to `version`, in the transaction that appended that version (so a snapshot never
 * outlives a rolled-back append). A snapshot is a cache: writing one again replaces it.
 */
export async function writeSnapshot(tx: Tx, snapshot: Snapshot<JsonObject>): Promise<void> {
  assertInTransaction(tx);
  await tx.query({
    ...WRITE_SNAPSHOT,
    values: [snapshot.streamId, snapshot.version, snapshot.schemaVersion, JSON.stringify(snapshot.state)],
  });
}
