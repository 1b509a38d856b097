import type { Pool, PoolClient } from 'pg';
import { withReadRetry } from '../platform/db/read-retry';
import type { BalanceRow, TransactionRow } from '../projections/apply';
import { balanceFromDb, centsFromNumeric, type BalanceDbRow, type TransactionDbRow } from '../projections/store';
import { readModelTables } from '../projections/tables';

export type BalanceView = BalanceRow;

export type TransactionView = Omit<TransactionRow, 'streamVersion'> & { version: number };

export interface Page<T, C> {
  items: T[];
  /** where the next page starts (keyset), or null when this page is the last */
  next: C | null;
}

export interface BalancesCursor {
  accountName: string;
  accountId: string;
}

type Db = Pool | PoolClient;

/**
 * Balances ordered by account name (code-point order, `COLLATE "C"`: the same in every locale), ties by account id.
 * Pages by offset or, better for deep pages, by keyset cursor (`after`). Reads limit + 1 rows to know whether a next
 * page exists.
 */
export async function listBalances(
  db: Db,
  options: { limit: number; offset?: number; after?: BalancesCursor; schema?: string; ownerId?: string },
): Promise<Page<BalanceView, BalancesCursor>> {
  const t = readModelTables(options.schema);
  // One owner's accounts ($5): found through the owners' index on the number reservations (migration 0009).
  const result = await withReadRetry(db, () =>
    db.query<BalanceDbRow>(
      `SELECT account_id, account_number, account_name, owner_name, balance::text AS balance, last_updated,
            last_applied_version
       FROM ${t.balances}
      WHERE ($1::text IS NULL OR (account_name COLLATE "C", account_id) > ($1::text COLLATE "C", $2::uuid))
        AND ($5::text IS NULL OR account_id IN (SELECT o.account_id FROM event_store.account_numbers AS o
                                                 WHERE o.owner_id = $5::text))
      ORDER BY account_name COLLATE "C", account_id
      LIMIT $3 OFFSET $4`,
      [
        options.after?.accountName ?? null,
        options.after?.accountId ?? null,
        options.limit + 1,
        options.offset ?? 0,
        options.ownerId ?? null,
      ],
    ),
  );
  const items = result.rows.slice(0, options.limit).map(balanceFromDb);
  const last = items.at(-1);
  return {
    items,
    next:
      result.rows.length > options.limit && last ? { accountName: last.accountName, accountId: last.accountId } : null,
  };
}

/**
 * An account's transactions, newest first (highest stream version first). `beforeVersion` is the keyset cursor.
 * null when the account is not in the read model.
 */
export async function listTransactions(
  db: Db,
  accountId: string,
  options: { limit: number; offset?: number; beforeVersion?: number; schema?: string },
): Promise<Page<TransactionView, { beforeVersion: number }> | null> {
  return withReadRetry(db, () => readTransactions(db, accountId, options));
}

async function readTransactions(
  db: Db,
  accountId: string,
  options: { limit: number; offset?: number; beforeVersion?: number; schema?: string },
): Promise<Page<TransactionView, { beforeVersion: number }> | null> {
  const t = readModelTables(options.schema);
  const result = await db.query<TransactionDbRow>(
    `SELECT tr.transaction_id, tr.account_id, tr.account_number, tr.account_name, tr.amount::text AS amount,
            tr.opening_balance::text AS opening_balance, tr.closing_balance::text AS closing_balance,
            tr.description, tr.date, tr.stream_version, tr.transfer_id
       FROM ${t.transactions} AS tr
      WHERE tr.account_id = $1 AND ($2::int IS NULL OR tr.stream_version < $2)
      ORDER BY tr.stream_version DESC
      LIMIT $3 OFFSET $4`,
    [accountId, options.beforeVersion ?? null, options.limit + 1, options.offset ?? 0],
  );
  if (result.rows.length === 0) {
    const exists = await db.query(`SELECT 1 FROM ${t.balances} WHERE account_id = $1`, [accountId]);
    if (exists.rows.length === 0) return null;
  }
  const items = result.rows.slice(0, options.limit).map((row) => ({
    transactionId: row.transaction_id,
    accountId: row.account_id,
    accountNumber: row.account_number,
    accountName: row.account_name,
    amount: centsFromNumeric(row.amount),
    openingBalance: centsFromNumeric(row.opening_balance),
    closingBalance: centsFromNumeric(row.closing_balance),
    description: row.description,
    date: row.date,
    version: row.stream_version,
    transferId: row.transfer_id,
  }));
  const last = items.at(-1);
  return { items, next: result.rows.length > options.limit && last ? { beforeVersion: last.version } : null };
}
