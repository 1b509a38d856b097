import type { Pool, PoolClient } from 'pg';

/**
 * Test support: resolves once PostgreSQL's clock, at the millisecond precision of `created_at`, is past `instant`,
 * so that whatever is written next is stored strictly after it. (Two writes in the same millisecond share a
 * timestamp, and "as of t" includes both.) Takes a millisecond at most.
 */
export async function afterDatabaseClockPasses(db: Pool | PoolClient, instant: Date): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    const { rows } = await db.query<{ past: boolean }>(
      `SELECT date_trunc('milliseconds', clock_timestamp()) > $1::timestamptz AS past`,
      [instant],
    );
    if (rows[0]?.past) return;
  }
  throw new Error(`PostgreSQL's clock did not pass ${instant.toISOString()}`);
}
