import type { Pool } from 'pg';
import { mapToIntegrationEvent, type AccountFacts } from '../outbox/contracts/mapper';
import { parseIntegrationEvent } from '../outbox/contracts/integration-events';
import { withTransaction } from '../platform/db/pool';
import { appendToStream, readStream } from '../event-store';
import { moveTestMoney, openTestAccount } from '../outbox/relay/testing';
import { listBalances, listTransactions } from '../queries/read-models';
import { reconcileReadModels } from './reconcile';
import { applyEvents, type IncomingEvent } from './store';
import { ident } from './tables';
import { useScratchReadModel } from './testing';

const readModel = useScratchReadModel('rm_reconcile', { max: 4 });
const target = readModel.schema;
let pool: Pool;
beforeAll(() => {
  pool = readModel.pool;
});

/** The integration events the relay would publish for this account (mapped from the store). */
async function published(accountId: string): Promise<IncomingEvent[]> {
  let facts: AccountFacts | undefined;
  return (await readStream(pool, accountId)).map((stored) => {
    const mapped = mapToIntegrationEvent(facts, stored);
    facts = mapped.facts;
    const parsed = parseIntegrationEvent(mapped.event);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire: mapped.event };
  });
}

describe('read-model reconciler', () => {
  it('given an event the Kafka path lost (its successor parked) and an account never delivered, when reconciled, then both accounts are exact and nothing stays parked', async () => {
    // given
    const gapped = await openTestAccount(pool, { initialBalance: 1_000 });
    const never = await openTestAccount(pool, { initialBalance: 50 });
    for (let i = 1; i <= 3; i += 1) {
      await moveTestMoney(pool, gapped, i * 100);
      await moveTestMoney(pool, never, -i);
    }
    const events = await published(gapped);
    await withTransaction(pool, (tx) => applyEvents(tx, [events[0]!, events[2]!, events[3]!], { schema: target }));

    // when
    const result = await reconcileReadModels(pool, { schema: target, settleMs: 0 });

    // then
    expect(result.failed.filter((f) => f.accountId === gapped || f.accountId === never)).toEqual([]);
    const balances = await listBalances(pool, { limit: 1000, schema: target });
    const byId = new Map(balances.items.map((row) => [row.accountId, row]));
    expect(byId.get(gapped)).toMatchObject({ balance: 1_600, lastAppliedVersion: 4 });
    expect(byId.get(never)).toMatchObject({ balance: 44, lastAppliedVersion: 4 });
    const transactions = await listTransactions(pool, gapped, { limit: 10, schema: target });
    expect(transactions!.items.map((row) => row.transactionId)).toEqual(events.map((e) => e.event.eventId).reverse());
    const parked = await pool.query(`SELECT 1 FROM ${ident(target)}.parked_events WHERE account_id = ANY($1::uuid[])`, [
      [gapped, never],
    ]);
    expect(parked.rowCount).toBe(0);

    // and a second run has nothing to do for them
    const again = await reconcileReadModels(pool, { schema: target, settleMs: 0 });
    expect(again.failed.filter((f) => f.accountId === gapped)).toEqual([]);
  });

  it('given an account whose event cannot be mapped, when reconciled, then it is reported and left as it is', async () => {
    const sick = await openTestAccount(pool, { initialBalance: 10 });
    await appendToStream(pool, {
      streamId: sick,
      streamType: 'account',
      expectedVersion: 1,
      events: [{ type: 'MoneyDeposited', data: { amount: -5 }, metadata: { schemaVersion: 1 } }],
    });
    const result = await reconcileReadModels(pool, { schema: target, settleMs: 0 });
    expect(result.failed.find((f) => f.accountId === sick)?.reason).toMatch(/amount/);
    const balances = await listBalances(pool, { limit: 1000, schema: target });
    expect(balances.items.find((row) => row.accountId === sick)).toBeUndefined();
  });
});
