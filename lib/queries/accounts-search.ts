import type { Pool, PoolClient } from 'pg';
import { balanceFromDb, centsFromNumeric, type BalanceDbRow } from '../projections/store';
import type { BalanceView } from './read-models';
import { ownerParam, visibleAccountSql, type Visibility } from './visibility';
import { retryingRead } from '../platform/db/read-retry';

type Db = Pool | PoolClient;

export const BALANCE_SORTS = ['name', 'number', 'owner', 'balance', 'updated'] as const;
export type BalanceSort = (typeof BALANCE_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

// Fixed SQL per key (never built from input); ties by account id so that pages never overlap.
const ORDER: Readonly<Record<BalanceSort, string>> = {
  name: 'account_name COLLATE "C"',
  number: 'upper(account_number) COLLATE "C"',
  owner: 'owner_name COLLATE "C"',
  balance: 'balance',
  updated: 'last_updated',
};

export interface BalancesQuery {
  /** text contained in the account number, name or owner (case-insensitive); empty = every account */
  search?: string | undefined;
  sort: BalanceSort;
  direction: SortDirection;
  limit: number;
  offset: number;
  visibility?: Visibility | undefined;
}

export interface BalancesResult {
  items: BalanceView[];
  /** over every matching account, not only this page */
  total: { accounts: number; balance: number };
  hasMore: boolean;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * The balances read model, searched (number, name, owner), sorted by any column either way, paged by offset, with
 * the count and the sum of the balances of every matching account.
 */
async function searchBalancesOnce(db: Db, query: BalancesQuery): Promise<BalancesResult> {
  const search = query.search?.trim() ? likePattern(query.search.trim()) : null;
  const where = `($1::text IS NULL OR account_number ILIKE $1 OR account_name ILIKE $1 OR owner_name ILIKE $1)
    AND ${visibleAccountSql('account_id', 2)}`;
  const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
  const params = [search, ownerParam(query.visibility)];
  const [rows, total] = await Promise.all([
    db.query<BalanceDbRow>(
      `SELECT account_id, account_number, account_name, owner_name, balance::text AS balance, last_updated,
              last_applied_version
         FROM read_model.balances
        WHERE ${where}
        ORDER BY ${ORDER[query.sort]} ${direction}, account_id ${direction}
        LIMIT $3 OFFSET $4`,
      [...params, query.limit + 1, query.offset],
    ),
    db.query<{ accounts: string; balance: string }>(
      `SELECT count(*)::text AS accounts, coalesce(sum(balance), 0)::numeric(20, 2)::text AS balance
         FROM read_model.balances WHERE ${where}`,
      params,
    ),
  ]);
  return {
    items: rows.rows.slice(0, query.limit).map(balanceFromDb),
    total: { accounts: Number(total.rows[0]?.accounts ?? 0), balance: centsFromNumeric(total.rows[0]?.balance ?? '0') },
    hasMore: rows.rows.length > query.limit,
  };
}

/** Account numbers starting with `prefix` (case-insensitive), for a transfer target's type-ahead list. */
async function accountNumbersLikeOnce(
  db: Db,
  options: { prefix?: string; limit: number; excludeAccountId?: string; visibility?: Visibility },
): Promise<Array<{ accountId: string; accountNumber: string; accountName: string; ownerName: string }>> {
  const rows = await db.query<{ account_id: string; account_number: string; account_name: string; owner_name: string }>(
    `SELECT account_id, account_number, account_name, owner_name FROM read_model.balances
      WHERE ($1::text IS NULL OR upper(account_number) LIKE upper($1))
        AND ($2::uuid IS NULL OR account_id <> $2::uuid) AND ${visibleAccountSql('account_id', 4)}
      ORDER BY upper(account_number) COLLATE "C"
      LIMIT $3`,
    [
      options.prefix ? `${options.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
      options.excludeAccountId ?? null,
      options.limit,
      ownerParam(options.visibility),
    ],
  );
  return rows.rows.map((row) => ({
    accountId: row.account_id,
    accountNumber: row.account_number,
    accountName: row.account_name,
    ownerName: row.owner_name,
  }));
}

/** The account an account number names (case-insensitive, as numbers are unique regardless of case). */
async function accountIdByNumberOnce(
  db: Db,
  accountNumber: string,
  visibility?: Visibility,
): Promise<string | undefined> {
  const rows = await db.query<{ account_id: string }>(
    `SELECT account_id FROM event_store.account_numbers
      WHERE upper(account_number) = upper($1) AND ${visibleAccountSql('account_id', 2)}
      ORDER BY created_at LIMIT 1`,
    [accountNumber, ownerParam(visibility)],
  );
  return rows.rows[0]?.account_id;
}

export const searchBalances = retryingRead(searchBalancesOnce);
export const accountNumbersLike = retryingRead(accountNumbersLikeOnce);
export const accountIdByNumber = retryingRead(accountIdByNumberOnce);
