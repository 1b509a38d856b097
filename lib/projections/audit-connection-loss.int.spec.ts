/**
 * The read-model audit (a step of the scheduled sweep) whose connection is terminated in the middle of a page (as a
 * restart, a failover or a proxy dropping it would): the call fails as "database unavailable" with nothing of the
 * page kept (the run's cursor and counts are written in the page's transaction), and the next call audits every
 * account once, finds the damaged one and repairs it from the store.
 */
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { withTransaction } from '../platform/db/pool';
import { holdLock } from '../platform/db/testing';
import { isDatabaseUnavailable } from '../platform/db/unavailable';
import { auditReadModels, divergentAccounts } from './audit';
import { applyEvents } from './store';
import { ident } from './tables';
import { storedAccountHistory, useScratchReadModel } from './testing';

const readModel = useScratchReadModel('rm_audit_loss', { max: 4 });
const schema = readModel.schema;

describe('the read-model audit whose connection is terminated mid-page', () => {
  it('fails with nothing of the page kept; the next call audits every account once and repairs the damaged one', async () => {
    // given two accounts projected into a read model of this spec's own, one of them damaged
    const pool = readModel.pool;
    const histories = await Promise.all([
      storedAccountHistory(pool, { initialBalance: 10_000, movements: [500, -250] }),
      storedAccountHistory(pool, { initialBalance: 2_000, movements: [100] }),
    ]);
    const incoming = histories.flat().map((wire) => {
      const parsed = parseIntegrationEvent(wire);
      if (!parsed.ok) throw new Error(parsed.reason);
      return { event: parsed.event, wire };
    });
    await withTransaction(pool, (tx) => applyEvents(tx, incoming, { schema }));
    const [damaged, intact] = histories.map((history) => history[0]!.accountId) as [string, string];
    await pool.query(`UPDATE ${ident(schema)}.balances SET balance = balance + 1 WHERE account_id = $1`, [damaged]);

    // when the audit's page waits for the read model and its backend is terminated
    const lock = await holdLock(`LOCK TABLE ${ident(schema)}.balances IN ACCESS EXCLUSIVE MODE`);
    let failure: unknown;
    try {
      const pending = auditReadModels(pool, { schema, intervalMs: 0, pageSize: 1 }).then(
        () => new Error('the audit finished'),
        (error: unknown) => error,
      );
      await lock.terminateWaiters(1, `%${ident(schema)}.account_progress%`);
      failure = await pending;
    } finally {
      await lock.release();
    }

    // then the call failed as "database unavailable", and no run was recorded as started or advanced
    expect(isDatabaseUnavailable(failure)).toBe(true);
    const state = await pool.query<{ run_started_at: Date | null; run_checked: number }>(
      'SELECT run_started_at, run_checked FROM read_model.audits WHERE projection = $1',
      [schema],
    );
    expect(state.rows).toEqual([{ run_started_at: null, run_checked: 0 }]);

    // when the sweep audits again: every account once, the damaged one found and repaired from the store
    const again = await auditReadModels(pool, { schema, intervalMs: 0, pageSize: 1 });
    expect(again).toMatchObject({
      status: 'finished',
      checked: 2,
      repaired: 1,
      run: { accountsChecked: 2, divergentAccounts: 1, repairedAccounts: 1 },
    });
    expect(again.status === 'finished' && again.divergent.map((d) => d.accountId)).toEqual([damaged]);
    expect(await divergentAccounts(pool, [damaged, intact], schema)).toEqual([]);
  });
});
