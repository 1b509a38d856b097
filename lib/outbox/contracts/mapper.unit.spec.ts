import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION } from '../../commands/banking/events';
import { parseIntegrationEvent } from './integration-events';
import { mapToIntegrationEvent, MappingError, type AccountFacts, type SourceEvent } from './mapper';

const accountId = randomUUID();
let version = 0;
function stored(type: string, data: Record<string, unknown>, overrides: Partial<SourceEvent> = {}): SourceEvent {
  version += 1;
  return {
    eventId: randomUUID(),
    streamId: accountId,
    streamVersion: version,
    type,
    data,
    metadata: { schemaVersion: EVENT_SCHEMA_VERSION, correlationId: 'c-1' },
    createdAt: new Date(Date.UTC(2026, 1, 1, 12, 0, version)),
    ...overrides,
  };
}

describe('domain event → integration event', () => {
  beforeEach(() => {
    version = 0;
  });

  it('given events with an actor and an owner, when mapped, then each integration event carries the actor; old ones none', () => {
    const actor = { sub: 'sub-1', username: 'alice' };
    const created = mapToIntegrationEvent(
      undefined,
      stored(
        'AccountCreated',
        {
          accountId,
          ownerId: 'sub-1',
          accountNumber: 'ACC-1',
          accountName: 'Savings',
          ownerName: 'Ada',
          initialBalance: 100,
          description: 'Initial deposit',
        },
        { metadata: { schemaVersion: EVENT_SCHEMA_VERSION, correlationId: 'c', actor } },
      ),
    );
    expect(created.event).toMatchObject({ actor, ownerId: 'sub-1' });
    expect(parseIntegrationEvent(created.event).ok).toBe(true);
    const deposited = mapToIntegrationEvent(
      created.facts,
      stored(
        'MoneyDeposited',
        { amount: 5, description: 'd' },
        {
          metadata: {
            schemaVersion: EVENT_SCHEMA_VERSION,
            correlationId: 'c',
            actor: { sub: 's-2', username: 'teller' },
          },
        },
      ),
    );
    expect(deposited.event.actor).toEqual({ sub: 's-2', username: 'teller' });
    const old = mapToIntegrationEvent(deposited.facts, stored('MoneyDeposited', { amount: 5, description: 'd' }));
    expect(old.event).not.toHaveProperty('actor');
    expect(parseIntegrationEvent(old.event).ok).toBe(true);
  });

  it('given an account history, when mapped in order, then balances fold exactly and every event meets the contract', () => {
    const history = [
      stored('AccountCreated', {
        accountId,
        accountNumber: 'ACC-1',
        accountName: 'Savings',
        ownerName: 'Ada',
        initialBalance: 10_010,
        description: 'Initial deposit',
      }),
      stored('MoneyDeposited', { amount: 20, description: 'Deposit' }),
      stored('MoneyWithdrawn', {
        amount: 30,
        description: 'Transfer to ACC-2',
        transferId: randomUUID(),
        counterpartyAccountId: randomUUID(),
        counterpartyAccountNumber: 'ACC-2',
      }),
    ];
    let facts: AccountFacts | undefined;
    const wire = history.map((event) => {
      const mapped = mapToIntegrationEvent(facts, event);
      facts = mapped.facts;
      return mapped.event;
    });

    expect(wire[0]).toMatchObject({
      eventType: 'AccountCreatedEvent',
      eventId: history[0]!.eventId,
      streamVersion: 1,
      initialBalance: '100.10',
      transaction: { transactionId: history[0]!.eventId, amount: '100.10', description: 'Initial deposit' },
      occurredAt: '2026-02-01T12:00:01.000Z',
    });
    expect(wire[1]).toMatchObject({
      eventType: 'AccountBalanceUpdatedEvent',
      accountNumber: 'ACC-1',
      accountName: 'Savings',
      ownerName: 'Ada',
      previousBalance: '100.10',
      newBalance: '100.30',
      transaction: { amount: '0.20' },
    });
    expect(wire[2]).toMatchObject({
      previousBalance: '100.30',
      newBalance: '100.00',
      transaction: { amount: '-0.30', counterpartyAccountNumber: 'ACC-2' },
    });
    expect(facts).toMatchObject({ balance: 10_000, version: 3 });
    for (const event of wire) expect(parseIntegrationEvent(event).ok).toBe(true);
  });

  it('given a money event before AccountCreated, when mapped, then it fails instead of guessing a balance', () => {
    version = 1;
    expect(() => mapToIntegrationEvent(undefined, stored('MoneyDeposited', { amount: 1, description: 'x' }))).toThrow(
      MappingError,
    );
  });

  it('given a version gap, when mapped, then it fails', () => {
    const created = mapToIntegrationEvent(
      undefined,
      stored('AccountCreated', {
        accountId,
        accountNumber: 'A',
        accountName: 'A',
        ownerName: 'A',
        initialBalance: 0,
        description: 'Initial deposit',
      }),
    );
    version = 5;
    expect(() =>
      mapToIntegrationEvent(created.facts, stored('MoneyDeposited', { amount: 1, description: 'x' })),
    ).toThrow(/expected stream version 2/);
  });

  it('given an unknown domain event or schema version, when mapped, then it fails (never skipped)', () => {
    expect(() => mapToIntegrationEvent(undefined, stored('AccountRenamed', {}))).toThrow(/unknown event type/);
    version = 0;
    expect(() =>
      mapToIntegrationEvent(
        undefined,
        stored(
          'AccountCreated',
          { accountId, accountNumber: 'A', accountName: 'A', ownerName: 'A', initialBalance: 0, description: '' },
          { metadata: { schemaVersion: 99 } },
        ),
      ),
    ).toThrow(/schema version/);
  });
});
