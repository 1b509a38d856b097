import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../../platform/db/pool';
import { relayStatus } from './status';

let pool: Pool;

beforeAll(() => {
  pool = createPool({ max: 2 });
});

afterAll(async () => {
  await pool.end();
});

describe('relayStatus', () => {
  it('given the newest events at positions of different lengths, when the status is read, then the head is the numerically last one', async () => {
    const client = await pool.connect();
    const streamId = `status-head-${randomUUID()}`;
    try {
      // given: in one transaction, positions 9,000,000,000 and 10,000,000,000, which compare the other way round as
      // text. Its snapshot (repeatable read) sees no transaction newer than itself, so it holds the head. Rolled back.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await client.query(
        `INSERT INTO event_store.events
                (global_position, event_id, stream_id, stream_type, stream_version, type, data)
         OVERRIDING SYSTEM VALUE
         VALUES (9000000000, $1, $3, 'status-test', 1, 'Probe', '{}'),
                (10000000000, $2, $3, 'status-test', 2, 'Probe', '{}')`,
        [randomUUID(), randomUUID(), streamId],
      );
      const { rows } = await client.query<{ id: string }>('SELECT pg_current_xact_id()::text AS id');

      // when
      const status = await relayStatus(client, `status-${randomUUID()}`);

      // then
      expect(status.head).toEqual({ transactionId: rows[0]!.id, globalPosition: '10000000000' });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
