import type { Tx } from '../../platform/db/pool';
import { DomainError } from './errors';

const RESERVE = {
  name: 'accounts.reserve_account_number',
  text: `INSERT INTO event_store.account_numbers (account_number, account_id) VALUES ($1, $2)
         ON CONFLICT (account_number) DO NOTHING`,
};

/**
 * Reserves an account number for a new account, in the transaction that appends its AccountCreated. Of two
 * concurrent opens with one number, the second waits for the first and, if it committed, gets
 * DomainError('account_already_exists').
 */
export async function reserveAccountNumber(tx: Tx, accountNumber: string, accountId: string): Promise<void> {
  const inserted = await tx.query({ ...RESERVE, values: [accountNumber, accountId] });
  if (inserted.rowCount !== 1) {
    throw new DomainError('account_already_exists', `An account with number ${accountNumber} already exists`, {
      accountNumber,
    });
  }
}
