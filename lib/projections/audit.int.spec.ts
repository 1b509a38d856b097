import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { parseIntegrationEvent, type IntegrationEventWire } from '../outbox/contracts/integration-events';
import { accountHistory } from '../outbox/contracts/testing';
import { withTransaction } from '../platform/db/pool';
import { listBalances, listTransactions } from '../queries/read-models';
import { auditReadModels, auditStatus } from './audit';
import { projectorStatus } from './status';
import { applyEvents } from './store';
import { ident } from './tables';
import { storedAccountHistory, useScratchReadModel } from './testing';

const readModel = useScratchReadModel('rm_audit', { max: 4 });
const schema = readModel.schema;
let pool: Pool;
beforeAll(() => {
  pool = readModel.pool;
});

/** Applies integration events to the scratch read model as the projector did before it checked them (no check). */
async function project(events: IntegrationEventWire[]): Promise<void> {
  const incoming = events.map((wire) => {
    const parsed = parseIntegrationEvent(wire);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire };
  });
  await withTransaction(pool, (tx) => applyEvents(tx, incoming, { schema }));
}

/** The account as the reports show it: balance, version and transactions (`v<version> <id> <amount>`, oldest first). */
async function shown(accountId: string) {
  const balances = await listBalances(pool, { limit: 1000, schema });
  const row = balances.items.find((item) => item.accountId === accountId);
  const transactions = await listTransactions(pool, accountId, { limit: 1000, schema });
  return {
    balance: row?.balance,
    version: row?.lastAppliedVersion,
    transactions: (transactions?.items ?? []).reverse().map((t) => `v${t.version} ${t.transactionId} ${t.amount}`),
  };
}

/** What the reports must show for an account whose published events are `history`. */
function asPublished(history: IntegrationEventWire[]) {
  const last = history.at(-1)!;
  const cents = (amount: string) => Math.round(Number(amount) * 100);
  return {
    balance: cents(last.eventType === 'AccountCreatedEvent' ? last.initialBalance : last.newBalance),
    version: history.length,
    transactions: history.map((e) => `v${e.streamVersion} ${e.eventId} ${cents(e.transaction.amount)}`),
  };
}

describe('read-model audit', () => {
  it('given read-model rows corrupted in SQL, a forged event applied before the check existed and an account the store never had, when audited, then each is found, counted and re-projected from the store, and the healthy one is left alone', async () => {
    // given: five accounts in the store (the last one healthy throughout), projected
    const histories = await Promise.all(
      [
        [10_000, [500, -250]],
        [20_000, [1_000, 2_000]],
        [30_000, [3]],
        [40_000, [7, 8]],
        [50_000, []],
      ].map(([initialBalance, movements]) =>
        storedAccountHistory(pool, { initialBalance: initialBalance as number, movements: movements as number[] }),
      ),
    );
    const [balance, transaction, lastEventId, forgedBefore] = histories.map((h) => h[0]!.accountId) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const forgedHistory = histories[3]!;
    await project(histories.filter((h) => h !== forgedHistory).flat());

    // a balance, a transaction amount and a last event id changed behind the projector's back
    const t = (table: string) => `${ident(schema)}.${ident(table)}`;
    await pool.query(`UPDATE ${t('balances')} SET balance = balance + 900000 WHERE account_id = $1`, [balance]);
    await pool.query(
      `UPDATE ${t('transactions')} SET amount = 900000, closing_balance = opening_balance + 900000
        WHERE account_id = $1 AND stream_version = 2`,
      [transaction],
    );
    await pool.query(`UPDATE ${t('account_progress')} SET last_event_id = $2 WHERE account_id = $1`, [
      lastEventId,
      randomUUID(),
    ]);
    // issue 18 as it was: a forged version 2 applied, the genuine one skipped as its duplicate, then version 3 (whose
    // newBalance "wins") making balance, version and last event id right again; only the transactions keep it
    const [created, genuineV2, genuineV3] = forgedHistory;
    if (genuineV2?.eventType !== 'AccountBalanceUpdatedEvent') throw new Error('unexpected history');
    const forgedId = randomUUID();
    await project([
      created!,
      {
        ...genuineV2,
        eventId: forgedId,
        newBalance: '900400.00',
        transaction: { ...genuineV2.transaction, transactionId: forgedId, amount: '900000.00' },
      },
      genuineV2,
      genuineV3!,
    ]);
    expect((await shown(forgedBefore)).balance).toBe(asPublished(forgedHistory).balance);
    // an account the event store never had
    const [orphan] = accountHistory({ initialBalance: 123_00, movements: [] });
    await project([orphan!]);

    // when
    const result = await auditReadModels(pool, { schema, intervalMs: 0, pageSize: 2 });

    // then
    expect(result).toMatchObject({ status: 'finished', checked: 6, repaired: 5 });
    expect(
      Object.fromEntries(result.status === 'finished' ? result.divergent.map((d) => [d.accountId, d.reason]) : []),
    ).toEqual({
      [balance]: expect.stringMatching(/^balances row: balance 9\d{5}\.\d{2} \(store: 102\.50\)$/),
      [transaction]: expect.stringMatching(/^transaction at version 2: amount 900000\.00 \(store: 10\.00\)/),
      [lastEventId]: expect.stringMatching(/^last event id [0-9a-f-]{36}, the store's event at version 2 is/),
      [forgedBefore]: expect.stringMatching(
        /^transaction at version 2: transactionId "[0-9a-f-]{36}" \(store: "[0-9a-f-]{36}"\)/,
      ),
      [orphan!.accountId]: 'the event store has no such account',
    });
    for (const history of histories) expect(await shown(history[0]!.accountId)).toEqual(asPublished(history));
    expect(await shown(orphan!.accountId)).toEqual({ balance: undefined, version: undefined, transactions: [] });

    const status = await auditStatus(pool, schema);
    expect(status).toMatchObject({
      last: { accountsChecked: 6, divergentAccounts: 5, repairedAccounts: 5 },
      running: null,
    });
    expect((await projectorStatus(pool, schema)).audit.last?.divergentAccounts).toBe(5);

    // and the next audit finds nothing; with the default interval none is due yet
    const again = await auditReadModels(pool, { schema, intervalMs: 0 });
    expect(again).toMatchObject({ status: 'finished', checked: 5, divergent: [], repaired: 0 });
    expect(await auditReadModels(pool, { schema })).toEqual({ status: 'not-due' });
    expect((await auditStatus(pool, schema)).last).toMatchObject({ accountsChecked: 5, divergentAccounts: 0 });
  });
});
