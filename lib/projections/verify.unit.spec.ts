import { parseIntegrationEvent, type IntegrationEvent } from '../outbox/contracts/integration-events';
import { accountHistory } from '../outbox/contracts/testing';
import { differences } from './verify';

function parsed(wire: unknown): IntegrationEvent {
  const result = parseIntegrationEvent(wire);
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('differences between a mapped and a received integration event', () => {
  const [created, deposit] = accountHistory({ initialBalance: 10_00, movements: [2_50] });

  it('given the same event, when compared, then none (amounts compared in cents, unknown fields ignored)', () => {
    expect(differences(created!, parsed({ ...created!, extra: 'ignored' }))).toEqual([]);
    expect(differences(deposit!, parsed(deposit))).toEqual([]);
  });

  it('given other amounts, id, or an added transfer field, when compared, then each differing path is named with both values', () => {
    const forged = {
      ...deposit!,
      newBalance: '9010.00',
      transaction: { ...deposit!.transaction, amount: '9000.00', transferId: 't-1' },
    };
    expect(differences(deposit!, parsed(forged))).toEqual([
      'newBalance "9010.00" (stored: "12.50")',
      'transaction.amount "9000.00" (stored: "2.50")',
      'transaction.transferId "t-1" (stored: absent)',
    ]);
  });
});
