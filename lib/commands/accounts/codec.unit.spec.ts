import { UndecodableEventError } from '../banking/events';
import type { StoredEvent } from '../../event-store/types';
import { fromStoredEvent, toNewEvent } from './codec';

const stored = (type: string, data: Record<string, unknown>, metadata: Record<string, unknown>): StoredEvent => ({
  globalPosition: '1',
  transactionId: '1',
  eventId: '00000000-0000-4000-8000-000000000000',
  streamId: 'acc-1',
  streamType: 'account',
  streamVersion: 2,
  type,
  data,
  metadata,
  createdAt: new Date(0),
});

describe('toNewEvent', () => {
  it('given a context with causation and idempotency, then the metadata carries them with the schema version', () => {
    const event = toNewEvent(
      { type: 'MoneyDeposited', data: { amount: 100, description: 'Deposit' } },
      { correlationId: 'corr', causationId: 'cause', idempotency: { key: 'k', fingerprint: 'f' } },
    );
    expect(event).toEqual({
      type: 'MoneyDeposited',
      data: { amount: 100, description: 'Deposit' },
      metadata: { schemaVersion: 1, correlationId: 'corr', causationId: 'cause', idempotencyKey: 'k' },
    });
  });

  it('given a bare context, then only the correlation id and schema version', () => {
    const event = toNewEvent({ type: 'MoneyWithdrawn', data: { amount: 1, description: 'x' } }, { correlationId: 'c' });
    expect(event.metadata).toEqual({ schemaVersion: 1, correlationId: 'c' });
  });
});

describe('fromStoredEvent', () => {
  it('given a valid stored event, then the domain event', () => {
    expect(fromStoredEvent(stored('MoneyDeposited', { amount: 5, description: 'd' }, { schemaVersion: 1 }))).toEqual({
      type: 'MoneyDeposited',
      data: { amount: 5, description: 'd' },
    });
  });

  it.each([
    ['an unknown type', stored('MoneyVanished', { amount: 5, description: 'd' }, { schemaVersion: 1 })],
    ['an unknown schema version', stored('MoneyDeposited', { amount: 5, description: 'd' }, { schemaVersion: 2 })],
    ['no schema version', stored('MoneyDeposited', { amount: 5, description: 'd' }, {})],
    ['invalid data', stored('MoneyDeposited', { amount: 5.5, description: 'd' }, { schemaVersion: 1 })],
  ])('given %s, then UndecodableEventError', (_, event) => {
    expect(() => fromStoredEvent(event)).toThrow(UndecodableEventError);
  });
});
