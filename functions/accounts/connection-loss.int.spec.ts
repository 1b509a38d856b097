/**
 * A command whose database connection dies mid-transaction (a restart, a failover, a proxy dropping it): the handler
 * answers 503 problem+json with Retry-After, the process goes on, nothing half-done is stored, and a retry with the
 * same Idempotency-Key applies the command exactly once.
 */
import { Client } from 'pg';
import { pollUntil } from '../../lib/platform/kafka/testing';
import { expectProblem, getAccountResponse, givenAccount, handlerResources, postCommand } from './testing';

handlerResources();

async function directClient(): Promise<Client> {
  const client = new Client({ connectionString: process.env.MIGRATION_DATABASE_URL ?? process.env.DATABASE_URL });
  client.on('error', () => undefined); // its own backend is not the one terminated; keep the spec's process clean
  await client.connect();
  return client;
}

describe('a command whose database connection is terminated mid-transaction', () => {
  it('answers 503 with Retry-After, stores nothing, and a retry with the same key applies it once', async () => {
    const id = await givenAccount(100);
    const blocker = await directClient();
    const killer = await directClient();
    try {
      // Hold the account's stream row so the deposit's transaction waits inside the database.
      await blocker.query('BEGIN');
      const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const locked = await blocker.query<{ stream_id: string }>(
        `SELECT stream_id FROM event_store.streams WHERE stream_id LIKE '%' || $1 FOR UPDATE`,
        [id],
      );
      expect(locked.rowCount).toBe(1);

      const headers = { 'Idempotency-Key': `lost-${id}` };
      const pending = postCommand('deposit', id, { body: { amount: 25 }, headers });

      const waiting = await pollUntil(
        async () => {
          const { rows } = await killer.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
            [blockerPid],
          );
          return rows[0]?.pid;
        },
        { what: 'the deposit to wait for the stream lock' },
      );
      await killer.query('SELECT pg_terminate_backend($1)', [waiting]);
      await blocker.query('ROLLBACK');

      const lost = await pending;
      expectProblem(lost, 503);
      expect(lost.headers['retry-after']).toBe('2');
      expect(lost.body.type).toBe('/problems/service-unavailable');
      expect((await getAccountResponse(id)).body).toMatchObject({ balance: 100, version: 1 });

      const retried = await postCommand('deposit', id, { body: { amount: 25 }, headers });
      expect(retried.status).toBe(200);
      const again = await postCommand('deposit', id, { body: { amount: 25 }, headers });
      expect(again.status).toBe(200);
      expect(again.text).toBe(retried.text);
      expect((await getAccountResponse(id)).body).toMatchObject({ balance: 125, version: 2 });
    } finally {
      await blocker.end();
      await killer.end();
    }
  });
});
