import { AssertionError } from 'node:assert';
import type { Deposit } from './account';
import type { AccountCreated } from './events';
import { given } from './testing';

// The helper must fail loudly, or every given/when/then test could pass vacuously.
const created: AccountCreated = {
  type: 'AccountCreated',
  data: {
    accountId: 'a',
    accountNumber: 'N1',
    accountName: 'n',
    ownerName: 'o',
    initialBalance: 100,
    description: 'd',
  },
};
const deposit: Deposit = { type: 'Deposit', data: { accountId: 'a', amount: 1 } };

describe('given/when/then helper', () => {
  it('fails when the emitted events differ', () => {
    expect(() => given([created]).when(deposit).then([])).toThrow(AssertionError);
  });

  it('fails when an error was expected but events were emitted', () => {
    expect(() => given([created]).when(deposit).thenThrows('insufficient_funds')).toThrow(AssertionError);
  });

  it('fails when a different DomainError code was thrown', () => {
    expect(() => given([]).when(deposit).thenThrows('insufficient_funds')).toThrow(AssertionError);
  });

  it('passes on the expected code', () => {
    expect(() => given([]).when(deposit).thenThrows('account_not_found')).not.toThrow();
  });
});
