import type { Pool } from 'pg';
import { isStaff, type Caller } from '../../platform/auth/verify-token';
import type { Tx } from '../../platform/db/pool';
import type { Queryable } from '../../event-store/types';
import { DomainError } from './errors';

const RESERVE = {
  // No conflict target: a clash on any unique index counts, both the exact number (the primary key) and migration
  // 0006's index on upper(account_number). Naming one arbiter let two concurrent opens of the same number raise the
  // other index's unique violation instead of doing nothing.
  text: `INSERT INTO event_store.account_numbers (account_number, account_id, owner_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
};

/**
 * Reserves an account number for a new account, in the transaction that appends its AccountCreated. A number taken
 * in any case ("EU-1" when "eu-1" exists) is DomainError('account_already_exists'). Of two concurrent opens with one
 * number, the second waits for the first and, if it committed, gets that error.
 */
export async function reserveAccountNumber(
  tx: Tx,
  accountNumber: string,
  accountId: string,
  ownerId: string | undefined,
): Promise<void> {
  const inserted = await tx.query({ ...RESERVE, values: [accountNumber, accountId, ownerId ?? null] });
  if (inserted.rowCount !== 1) {
    throw new DomainError('account_already_exists', `An account with number ${accountNumber} already exists`, {
      accountNumber,
    });
  }
}

const OWNER = {
  text: `SELECT owner_id FROM event_store.account_numbers WHERE account_id = $1`,
};

/**
 * Whether `caller` may see and act on the account: its owner, tellers and admins (and trusted in-process callers,
 * which pass none). Unknown accounts and accounts without a recorded owner are visible to staff only.
 */
export async function mayAccessAccount(
  db: Queryable | Pool,
  accountId: string,
  caller: Caller | undefined,
): Promise<boolean> {
  if (!caller || isStaff(caller)) return true;
  const result = await db.query<{ owner_id: string | null }>({ ...OWNER, values: [accountId] });
  return result.rows[0]?.owner_id === caller.sub;
}

/**
 * For anyone but the owner and staff an account does not exist: the same DomainError an unknown id gets, before
 * anything is read or written.
 */
export async function requireAccountAccess(
  db: Queryable,
  accountId: string,
  caller: Caller | undefined,
): Promise<void> {
  if (!(await mayAccessAccount(db, accountId, caller))) {
    throw new DomainError('account_not_found', `Account ${accountId} not found`, { accountId });
  }
}
