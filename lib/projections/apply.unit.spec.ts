import fc from 'fast-check';
import { parseIntegrationEvent, type IntegrationEvent } from '../outbox/contracts/integration-events';
import { accountHistory } from '../outbox/contracts/testing';
import { applyToBalance, planAccount, toTransactionRow, type BalanceRow, type Candidate } from './apply';

function parsed(wire: unknown): IntegrationEvent {
  const result = parseIntegrationEvent(wire);
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

const history = accountHistory({ initialBalance: 5_000, movements: [1_000, -2_500, 1] }).map(parsed);

describe('balances apply function', () => {
  it('given an account history, when applied in order, then the balance is the last newBalance', () => {
    let row: BalanceRow | undefined;
    for (const event of history) row = applyToBalance(row, event);
    expect(row).toMatchObject({ balance: 3_501, lastAppliedVersion: 4, accountId: history[0]!.accountId });
  });

  it('given an event that does not continue the row, when applied, then it throws', () => {
    const row = applyToBalance(undefined, history[0]!);
    expect(() => applyToBalance(row, history[2]!)).toThrow(/v3 applied on v1/);
  });
});

describe('transactions apply function', () => {
  it('given an account history, when turned into rows, then they chain from 0 (closing = opening + amount)', () => {
    const rows = history.map(toTransactionRow);
    expect(rows[0]).toMatchObject({ openingBalance: 0, amount: 5_000, closingBalance: 5_000 });
    rows.forEach((row, index) => {
      expect(row.closingBalance).toBe(row.openingBalance + row.amount);
      if (index > 0) expect(row.openingBalance).toBe(rows[index - 1]!.closingBalance);
      expect(row.transactionId).toBe(history[index]!.eventId);
    });
  });
});

function candidates(events: IntegrationEvent[], origin: 'batch' | 'parked' = 'batch'): Candidate<number>[] {
  return events.map((event, ref) => ({ event, origin, ref }));
}

describe('per-account ordering plan', () => {
  it('given the next versions in any order, when planned, then they are applied in version order', () => {
    const plan = planAccount(0, candidates([history[2]!, history[0]!, history[1]!]));
    expect(plan.apply.map((c) => c.event.streamVersion)).toEqual([1, 2, 3]);
    expect(plan.lastApplied).toBe(3);
    expect(plan.park).toEqual([]);
  });

  it('given a gap, when planned, then what lies beyond it is parked, not applied', () => {
    const plan = planAccount(1, candidates([history[3]!, history[2]!]));
    expect(plan.apply).toEqual([]);
    expect(plan.park.map((c) => c.event.streamVersion)).toEqual([3, 4]);
    expect(plan.lastApplied).toBe(1);
  });

  it('given duplicates and already applied versions, when planned, then they are skipped', () => {
    const plan = planAccount(2, candidates([history[0]!, history[1]!, history[2]!, history[2]!]));
    expect(plan.apply.map((c) => c.event.streamVersion)).toEqual([3]);
    expect(plan.skip).toHaveLength(3);
  });

  it('given parked events and the missing one arriving, when planned, then all are released in order and the redelivered parked copy is skipped', () => {
    const parked = candidates([history[2]!, history[3]!], 'parked');
    const plan = planAccount(1, [...candidates([history[3]!, history[1]!]), ...parked]);
    expect(plan.apply.map((c) => `${c.event.streamVersion}:${c.origin}`)).toEqual(['2:batch', '3:parked', '4:parked']);
    expect(plan.skip.map((c) => c.origin)).toEqual(['batch']);
    expect(plan.park).toEqual([]);
  });

  it('given two different events claiming one version, when planned, then the first is kept and the conflict reported', () => {
    const [other] = accountHistory({ accountId: history[0]!.accountId, initialBalance: 1, movements: [] }).map(parsed);
    const plan = planAccount(0, [...candidates([history[0]!], 'parked'), ...candidates([other!])]);
    expect(plan.apply[0]?.event.eventId).toBe(history[0]!.eventId);
    expect(plan.conflicts).toHaveLength(1);
  });

  it('property: whatever the delivery order and duplication, applying batch after batch ends exactly as in order', () => {
    const long = accountHistory({ initialBalance: 100, movements: [5, -3, 7, 11, -13, 17, 19, -23] }).map(parsed);
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...long.keys()], { minLength: long.length, maxLength: long.length }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: long.length - 1 }), fc.nat()), { maxLength: 20 }),
        fc.integer({ min: 1, max: 5 }),
        (permutation, duplicates, batchSize) => {
          // every event once in a random order, plus redelivered copies inserted at random places
          const deliveries = [...permutation];
          for (const [index, at] of duplicates) deliveries.splice(at % (deliveries.length + 1), 0, index);
          let lastApplied = 0;
          let parked: IntegrationEvent[] = [];
          let row: BalanceRow | undefined;
          const applied: number[] = [];
          for (let i = 0; i < deliveries.length; i += batchSize) {
            const batch = deliveries.slice(i, i + batchSize).map((index) => long[index]!);
            const plan = planAccount(lastApplied, [...candidates(parked, 'parked'), ...candidates(batch)]);
            for (const candidate of plan.apply) {
              row = applyToBalance(row, candidate.event);
              applied.push(candidate.event.streamVersion);
            }
            lastApplied = plan.lastApplied;
            parked = [...parked.filter((event) => event.streamVersion > lastApplied), ...plan.park.map((c) => c.event)];
          }
          expect(applied).toEqual(long.map((event) => event.streamVersion));
          expect(row?.balance).toBe(100 + 5 - 3 + 7 + 11 - 13 + 17 + 19 - 23);
          expect(parked).toEqual([]);
        },
      ),
    );
  });
});
