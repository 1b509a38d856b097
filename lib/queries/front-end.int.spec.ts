/**
 * The queries behind the issue-15 pages, against the run's PostgreSQL: freshness (store versions vs applied
 * versions), the owner visibility filter every one of them takes, search with LIKE wildcards taken literally, the
 * explorer's correlation view with its Kafka delivery and applied flags, and statement periods.
 */
import { randomUUID } from 'node:crypto';
import { parseIntegrationEvent, type IntegrationEventWire } from '../outbox/contracts/integration-events';
import { closePool, getPool, withTransaction } from '../platform/db/pool';
import { recordDeliveries } from '../projections/deliveries';
import { applyEvents, type IncomingEvent } from '../projections/store';
import { storedAccountHistory } from '../projections/testing';
import { searchBalances } from './accounts-search';
import { readCorrelation } from './explorer';
import { accountFreshness, readModelFreshness } from './freshness';
import { statementEvents } from './statements';

const run = randomUUID().slice(0, 8);
const NOBODY = { ownerId: `nobody-${run}` };

function incoming(events: IntegrationEventWire[]): IncomingEvent[] {
  return events.map((wire) => {
    const parsed = parseIntegrationEvent(wire);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, wire };
  });
}

async function project(events: IntegrationEventWire[]): Promise<void> {
  await withTransaction(getPool(), (tx) => applyEvents(tx, incoming(events)));
}

let history: IntegrationEventWire[];

beforeAll(async () => {
  history = await storedAccountHistory(getPool(), {
    accountName: `100% ${run}`,
    initialBalance: 10_000,
    movements: [2_500, -1_000],
  });
  // The third event stays unprojected: the read model is one event behind for this account.
  await project(history.slice(0, 2));
  await project(
    await storedAccountHistory(getPool(), { accountName: `100x ${run}`, initialBalance: 1, movements: [] }),
  );
});

afterAll(async () => {
  await closePool();
});

describe('freshness', () => {
  it('given an account with one event not projected when asked then it is one event behind, with both versions and the read-model balance', async () => {
    const accountId = history[0]!.accountId;
    await expect(accountFreshness(getPool(), accountId)).resolves.toMatchObject({
      eventsBehind: 1,
      storeVersion: 3,
      appliedVersion: 2,
      readModelBalance: 12_500,
      asOf: expect.any(Date),
    });
    expect((await readModelFreshness(getPool())).eventsBehind).toBeGreaterThanOrEqual(1);
  });

  it('given an owner who owns no account when asked then nothing is behind and the account is not visible', async () => {
    await expect(readModelFreshness(getPool(), NOBODY)).resolves.toMatchObject({ eventsBehind: 0, asOf: null });
    await expect(accountFreshness(getPool(), history[0]!.accountId, NOBODY)).resolves.toBeUndefined();
  });
});

describe('search', () => {
  it('given a search with % when run then it matches the character, not anything', async () => {
    const found = await searchBalances(getPool(), {
      search: `100% ${run}`,
      sort: 'name',
      direction: 'asc',
      limit: 10,
      offset: 0,
    });
    expect(found.items.map((item) => item.accountName)).toEqual([`100% ${run}`]);
    expect(found.total).toEqual({ accounts: 1, balance: 12_500 });
    const all = await searchBalances(getPool(), {
      search: run,
      sort: 'balance',
      direction: 'desc',
      limit: 10,
      offset: 0,
    });
    expect(all.items.map((item) => item.accountName)).toEqual([`100% ${run}`, `100x ${run}`]);
    const hidden = await searchBalances(getPool(), {
      search: run,
      sort: 'name',
      direction: 'asc',
      limit: 10,
      offset: 0,
      visibility: NOBODY,
    });
    expect(hidden).toEqual({ items: [], total: { accounts: 0, balance: 0 }, hasMore: false });
  });
});

describe('explorer and statements', () => {
  it("given an account's correlation id when followed then its events come in store order, applied or not, with the delivery recorded", async () => {
    const [first] = incoming(history.slice(0, 1));
    await withTransaction(getPool(), (tx) =>
      recordDeliveries(tx, [{ ...first!, source: { topic: `t-${run}`, partition: 4, offset: 41 } }]),
    );
    const correlationId = (
      await getPool().query<{ id: string }>(
        `SELECT metadata->>'correlationId' AS id FROM event_store.events WHERE stream_id = $1 AND stream_version = 1`,
        [history[0]!.accountId],
      )
    ).rows[0]!.id;
    const events = await readCorrelation(getPool(), correlationId, { limit: 10 });
    expect(events.map((event) => [event.streamVersion, event.applied])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(events[0]!.delivery).toMatchObject({ topic: `t-${run}`, partition: 4, offset: '41' });
    expect(events[1]!.delivery).toBeNull();
    expect(events[0]!.readModelRow).toEqual({ amount: '100.00', closingBalance: '100.00' });
    await expect(readCorrelation(getPool(), correlationId, { limit: 10, visibility: NOBODY })).resolves.toEqual([]);
  });

  it('given a period when the statement events are read then only the events inside it come, in version order', async () => {
    const accountId = history[0]!.accountId;
    const wide = { from: new Date(Date.now() - 3_600_000), until: new Date(Date.now() + 3_600_000) };
    const inside = await statementEvents(getPool(), accountId, wide);
    expect(inside.map((event) => [event.version, event.type])).toEqual([
      [1, 'AccountCreated'],
      [2, 'MoneyDeposited'],
      [3, 'MoneyWithdrawn'],
    ]);
    const before = { from: new Date(0), until: new Date(Date.now() - 3_600_000) };
    await expect(statementEvents(getPool(), accountId, before)).resolves.toEqual([]);
    await expect(statementEvents(getPool(), accountId, wide, { visibility: NOBODY })).resolves.toEqual([]);
  });
});
