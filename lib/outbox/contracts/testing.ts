import { randomUUID } from 'node:crypto';
import {
  ACCOUNT_BALANCE_UPDATED_EVENT,
  ACCOUNT_CREATED_EVENT,
  INTEGRATION_SCHEMA_VERSION,
  type AccountBalanceUpdatedEventWire,
  type AccountCreatedEventWire,
  type IntegrationEventWire,
} from './integration-events';
import { toWireAmount } from './money';

/**
 * Test helper: a consistent history of integration events (wire form) for one account, as the relay would publish
 * it: version 1 creates the account, each further step moves money; balances chain.
 */
export function accountHistory(options: {
  accountId?: string;
  accountNumber?: string;
  accountName?: string;
  ownerName?: string;
  initialBalance: number;
  /** signed cents per later event */
  movements: number[];
  startAt?: Date;
}): IntegrationEventWire[] {
  const accountId = options.accountId ?? randomUUID();
  const accountNumber = options.accountNumber ?? `ACC-${accountId.slice(0, 8)}`;
  const accountName = options.accountName ?? `Account ${accountId.slice(0, 8)}`;
  const ownerName = options.ownerName ?? 'Test Owner';
  const start = options.startAt?.getTime() ?? Date.UTC(2026, 0, 1);
  const at = (version: number) => new Date(start + version * 1_000).toISOString();
  const created: AccountCreatedEventWire = {
    eventType: ACCOUNT_CREATED_EVENT,
    schemaVersion: INTEGRATION_SCHEMA_VERSION,
    eventId: randomUUID(),
    occurredAt: at(1),
    streamVersion: 1,
    accountId,
    accountNumber,
    accountName,
    ownerName,
    initialBalance: toWireAmount(options.initialBalance),
    transaction: {
      transactionId: '',
      amount: toWireAmount(options.initialBalance),
      description: 'Initial deposit',
      createdAt: at(1),
    },
  };
  created.transaction.transactionId = created.eventId;
  const events: IntegrationEventWire[] = [created];
  let balance = options.initialBalance;
  options.movements.forEach((amount, index) => {
    const version = index + 2;
    const eventId = randomUUID();
    const event: AccountBalanceUpdatedEventWire = {
      eventType: ACCOUNT_BALANCE_UPDATED_EVENT,
      schemaVersion: INTEGRATION_SCHEMA_VERSION,
      eventId,
      occurredAt: at(version),
      streamVersion: version,
      accountId,
      accountNumber,
      accountName,
      ownerName,
      previousBalance: toWireAmount(balance),
      newBalance: toWireAmount(balance + amount),
      transaction: {
        transactionId: eventId,
        amount: toWireAmount(amount),
        description: amount > 0 ? 'Deposit' : 'Withdrawal',
        createdAt: at(version),
      },
    };
    balance += amount;
    events.push(event);
  });
  return events;
}
