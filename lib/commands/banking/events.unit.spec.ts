import { ACCOUNT_EVENT_TYPES, EVENT_SCHEMA_VERSION, UndecodableEventError, decodeAccountEvent } from './events';

const createdData = {
  accountId: 'acc-1',
  accountNumber: 'NL-0001',
  accountName: 'Savings',
  ownerName: 'Alice',
  initialBalance: 0,
  description: 'Initial deposit',
};
const transferLeg = {
  amount: 250,
  description: 'Transfer to NL-0002',
  transferId: 't-1',
  counterpartyAccountId: 'acc-2',
  counterpartyAccountNumber: 'NL-0002',
};

function decodeError(type: string, data: unknown, version: unknown): UndecodableEventError {
  try {
    decodeAccountEvent(type, data, version);
  } catch (error) {
    if (error instanceof UndecodableEventError) return error;
    throw error;
  }
  throw new Error(`${type} decoded although it should not`);
}

describe('decodeAccountEvent', () => {
  it('lists exactly the seed event names', () => {
    expect(ACCOUNT_EVENT_TYPES).toEqual(['AccountCreated', 'MoneyDeposited', 'MoneyWithdrawn']);
  });

  it.each([
    ['AccountCreated', createdData],
    ['MoneyDeposited', { amount: 1, description: 'Deposit' }],
    ['MoneyWithdrawn', { amount: 1, description: 'Withdrawal' }],
    ['MoneyWithdrawn', transferLeg],
    ['MoneyDeposited', transferLeg],
  ])('given a stored %s with valid data, then it decodes to the domain event', (type, data) => {
    expect(decodeAccountEvent(type, data, EVENT_SCHEMA_VERSION)).toEqual({ type, data });
  });

  it('given an unknown type, then UndecodableEventError (never skipped)', () => {
    expect(decodeError('AccountClosed', {}, EVENT_SCHEMA_VERSION).reason).toBe('unknown event type');
    expect(decodeError('toString', {}, EVENT_SCHEMA_VERSION).reason).toBe('unknown event type');
  });

  it.each([2, 0, undefined, null, '1'])('given schema version %p, then UndecodableEventError', (version) => {
    expect(decodeError('MoneyDeposited', { amount: 1, description: 'Deposit' }, version).reason).toMatch(
      /unsupported schema version/,
    );
  });

  it.each([
    ['MoneyDeposited', { amount: '1.00', description: 'Deposit' }],
    ['MoneyDeposited', { amount: 1.5, description: 'Deposit' }],
    ['MoneyDeposited', { amount: 0, description: 'Deposit' }],
    ['MoneyWithdrawn', { amount: -5, description: 'Withdrawal' }],
    ['MoneyWithdrawn', { amount: 2 ** 53, description: 'Withdrawal' }],
    ['MoneyWithdrawn', { amount: 5 }],
    ['MoneyWithdrawn', { amount: 5, description: 'x', extra: true }],
    ['MoneyWithdrawn', { amount: 5, description: 'x', transferId: 't-1' }],
    ['AccountCreated', { ...createdData, initialBalance: -1 }],
    ['AccountCreated', { ...createdData, accountId: undefined }],
    ['AccountCreated', null],
    ['AccountCreated', 'not an object'],
  ])('given %s with bad data %j, then UndecodableEventError naming the problem', (type, data) => {
    const error = decodeError(type, data, EVENT_SCHEMA_VERSION);
    expect(error.eventType).toBe(type);
    expect(error.message).toContain(type);
    expect(error.reason.length).toBeGreaterThan(0);
  });
});
