import type { Tx } from '../../platform/db/pool';
import { DomainError } from './errors';

const RESERVE = {
  // No conflict target: a clash on any unique index counts, both the exact number (the primary key) and migration
  // 0006's index on upper(account_number). Naming one arbiter let two concurrent opens of the same number raise the
  // other index's unique violation instead of doing nothing.
  text: `INSERT INTO event_store.account_numbers (account_number, account_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING`,
};

/**
 * Reserves an account number for a new account, in the transaction that appends its AccountCreated. A number taken
 * in any case ("EU-1" when "eu-1" exists) is DomainError('account_already_exists'). Of two concurrent opens with one
 * number, the second waits for the first and, if it committed, gets that error.
 */
export async function reserveAccountNumber(tx: Tx, accountNumber: string, accountId: string): Promise<void> {
  const inserted = await tx.query({ ...RESERVE, values: [accountNumber, accountId] });
  if (inserted.rowCount !== 1) {
    throw new DomainError('account_already_exists', `An account with number ${accountNumber} already exists`, {
      accountNumber,
    });
  }
}
