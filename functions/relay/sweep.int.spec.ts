import { getConfig } from '../../lib/platform/config/env';
import { closePool, getPool } from '../../lib/platform/db/pool';
import { pollUntil } from '../../lib/platform/kafka/testing';
import { parseIntegrationEvent } from '../../lib/outbox/contracts/integration-events';
import { withTransaction } from '../../lib/platform/db/pool';
import { applyEvents } from '../../lib/projections/store';
import { storedAccountHistory } from '../../lib/projections/testing';
import { handler } from './sweep';

afterAll(async () => {
  await closePool();
});

describe('scheduled sweep', () => {
  it('given expired idempotency keys and a read model that diverges from the store, when the sweep runs, then the keys are purged and the audit repairs the account', async () => {
    // given: an account in the store and the read model, then its balance changed in SQL; one expired key, one live
    const pool = getPool();
    const history = await storedAccountHistory(pool, { initialBalance: 40_00, movements: [2_00] });
    const accountId = history[0]!.accountId;
    await withTransaction(pool, (tx) =>
      applyEvents(
        tx,
        history.map((wire) => {
          const parsed = parseIntegrationEvent(wire);
          if (!parsed.ok) throw new Error(parsed.reason);
          return { event: parsed.event, wire };
        }),
      ),
    );
    await pool.query('UPDATE read_model.balances SET balance = 900042.00 WHERE account_id = $1', [accountId]);
    const [expired, live] = [`sweep-expired-${accountId}`, `sweep-live-${accountId}`];
    await pool.query(
      `INSERT INTO event_store.idempotency_keys (scope, key, fingerprint, result, created_at)
       VALUES ('accounts', $1, 'f', '{}', now() - make_interval(hours => $3)), ('accounts', $2, 'f', '{}', now())`,
      [expired, live, getConfig().IDEMPOTENCY_TTL_HOURS + 1],
    );
    // the audit is due (another sweep of this run may have finished one already)
    await pool.query(`UPDATE read_model.audits SET last_finished_at = NULL WHERE projection = 'read_model'`);

    // when (repeated until the account is repaired: an audit run elsewhere may hold the read model for a while)
    const results = await pollUntil(async () => {
      const result = await handler(undefined, { getRemainingTimeInMillis: () => 30_000 });
      const row = await pool.query<{ balance: string }>(
        'SELECT balance::text AS balance FROM read_model.balances WHERE account_id = $1',
        [accountId],
      );
      return row.rows[0]?.balance === '42.00' ? result : undefined;
    });

    // then
    expect(results.idempotencyPurge).toEqual({ deleted: expect.any(Number), complete: true });
    const keys = await pool.query<{ key: string }>(
      `SELECT key FROM event_store.idempotency_keys WHERE scope = 'accounts' AND key = ANY($1::text[])`,
      [[expired, live]],
    );
    expect(keys.rows.map((row) => row.key)).toEqual([live]);
    // (only an audit repairs this account; when the local stack's scheduled sweep audited first, this one found the
    // audit busy or already done)
    const audit = results.audit;
    const found = 'divergent' in audit ? audit.divergent : [];
    const elsewhere = 'status' in audit && (audit.status === 'busy' || audit.status === 'not-due');
    expect(
      elsewhere ||
        found.some((d) => d.accountId === accountId && d.reason === 'balances row: balance 900042.00 (store: 42.00)'),
    ).toBe(true);
  });
});
