import type { Pool } from 'pg';
import { parseIntegrationEvent, type IntegrationEventWire } from '../outbox/contracts/integration-events';
import { accountHistory } from '../outbox/contracts/testing';
import { createDirectPool, withTransaction } from '../platform/db/pool';
import { moveTestMoney, openTestAccount } from '../outbox/relay/testing';
import { listBalances, listTransactions } from '../queries/read-models';
import { rebuildReadModels, type RebuildProgress } from './rebuild';
import { applyEvents } from './store';
import { ident } from './tables';
import { useScratchReadModel } from './testing';

const readModel = useScratchReadModel('rm_test', { max: 8 });
const target = readModel.schema;
let pool: Pool;
// The rebuild's own connection: direct, as the owner (DDL and a session lock; in the pooled profile `pool` goes
// through PgBouncer).
let owner: Pool;
beforeAll(() => {
  pool = readModel.pool;
  owner = createDirectPool({ max: 4 });
});
afterAll(async () => {
  await owner.end();
});

async function project(events: IntegrationEventWire[]): Promise<void> {
  const incoming = events.map((wire) => {
    const parsed = parseIntegrationEvent(wire);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire };
  });
  await withTransaction(pool, (tx) => applyEvents(tx, incoming, { schema: target }));
}

describe('read-model rebuild', () => {
  it('given accounts in the event store and a live read model, when rebuilt, then the read model is rebuilt from the store, queries keep answering, and the live parked events and progress carry over', async () => {
    // given: two accounts written through the event store
    const a = await openTestAccount(pool, { initialBalance: 10_000 });
    const b = await openTestAccount(pool, { initialBalance: 0 });
    for (let i = 1; i <= 30; i += 1) {
      await moveTestMoney(pool, a, i % 5 === 0 ? -i : i * 10);
      await moveTestMoney(pool, b, i);
    }
    // a live read model that is wrong (stale, and a balance tampered with) ...
    const stale = accountHistory({ accountId: a, initialBalance: 1, movements: [] });
    await project(stale);
    // ... with an event parked for an account the store does not know yet (its gap is still open)
    const waiting = accountHistory({ initialBalance: 5, movements: [1, 2] });
    await project([waiting[2]!]);
    // and an account the live projector got ahead of the rebuild's horizon: a transaction still running holds the
    // gap-free horizon back, so its later events are invisible to readAll (as they would be right after the copy)
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_current_xact_id()');
    const c = await openTestAccount(pool, { initialBalance: 700 });
    await moveTestMoney(pool, c, 50);
    const cHistory = accountHistory({ accountId: c, initialBalance: 700, movements: [50] });
    await pool.query(
      `INSERT INTO ${ident(target)}.account_progress (account_id, last_applied_version) VALUES ($1, 2)`,
      [c],
    );

    // and the application role's privileges on the live tables
    await pool.query(`GRANT SELECT, INSERT, UPDATE ON ${ident(target)}.balances TO ledgerline_app`);

    // when: rebuilt while queries keep running against the live tables
    const phases = new Set<RebuildProgress['phase']>();
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        await listBalances(pool, { limit: 10, schema: target });
        reads += 1;
      }
    })();
    try {
      const result = await rebuildReadModels(owner, {
        targetSchema: target,
        // several batches even for this file's 60-odd events, but few round trips over the shared store: the blocker
        // holds every suite's gap-free horizon back while this runs
        batchSize: 25,
        onProgress: ({ phase }) => phases.add(phase),
      });
      expect(result.events).toBeGreaterThanOrEqual(31 + 31 + 2);
    } finally {
      reading = false;
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    await reader;

    // then
    expect(reads).toBeGreaterThan(0);
    expect([...phases]).toEqual(['copy', 'catch-up', 'swap', 'done']);
    const balances = await listBalances(pool, { limit: 1000, schema: target });
    const byId = new Map(balances.items.map((row) => [row.accountId, row]));
    const expectedA =
      10_000 + [...Array(30).keys()].map((k) => k + 1).reduce((s, i) => s + (i % 5 === 0 ? -i : i * 10), 0);
    expect(byId.get(a)).toMatchObject({ balance: expectedA, lastAppliedVersion: 31 });
    expect(byId.get(b)).toMatchObject({ balance: 465, lastAppliedVersion: 31 });
    expect(byId.get(c)).toMatchObject({ balance: 750, lastAppliedVersion: 2 });
    expect(cHistory).toHaveLength(2);

    const transactions = await listTransactions(pool, a, { limit: 1000, schema: target });
    const rows = [...transactions!.items].reverse();
    expect(rows).toHaveLength(31);
    rows.forEach((row, index) => {
      expect(row.closingBalance).toBe(row.openingBalance + row.amount);
      if (index > 0) expect(row.openingBalance).toBe(rows[index - 1]!.closingBalance);
    });

    const parked = await pool.query<{ account_id: string; stream_version: number }>(
      `SELECT account_id, stream_version FROM ${ident(target)}.parked_events`,
    );
    expect(parked.rows).toEqual([{ account_id: waiting[0]!.accountId, stream_version: 3 }]);
    // the gap fills later through the projector as usual
    await project([waiting[1]!, waiting[0]!]);
    const released = await listBalances(pool, { limit: 1000, schema: target });
    expect(released.items.find((row) => row.accountId === waiting[0]!.accountId)).toMatchObject({
      balance: 8,
      lastAppliedVersion: 3,
    });

    const staging = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname LIKE $1', [`${target}\\_%`]);
    expect(staging.rowCount).toBe(0);

    // the new tables carry the privileges of those they replaced
    const privileges = await pool.query<{ privilege: string; held: boolean }>(
      `SELECT p AS privilege, has_table_privilege('ledgerline_app', $1, p) AS held
         FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p`,
      [`${target}.balances`],
    );
    expect(privileges.rows).toEqual([
      { privilege: 'SELECT', held: true },
      { privilege: 'INSERT', held: true },
      { privilege: 'UPDATE', held: true },
      { privilege: 'DELETE', held: false },
    ]);
  });

  it('given the application pool (which may go through a transaction pooler), then the rebuild refuses it', async () => {
    await expect(rebuildReadModels(pool, { targetSchema: target })).rejects.toThrow(/direct connection/);
  });
});
