import type { Pool, PoolClient } from 'pg';
import { centsFromNumeric } from '../projections/store';
import { ownerParam, visibleAccountSql, type Visibility } from './visibility';
import { retryingRead } from '../platform/db/read-retry';

type Db = Pool | PoolClient;

/** How far the read models trail the event store, for the accounts a page or report shows. */
export interface Freshness {
  /** account events in the event store that the read models have not applied yet */
  eventsBehind: number;
  /** when the read models last applied an event of these accounts (null: never) */
  asOf: Date | null;
  checkedAt: Date;
}

/** One account: its versions and balances on both sides, to explain a difference. */
export interface AccountFreshness extends Freshness {
  storeVersion: number;
  appliedVersion: number;
  /** the read model's balance, null when the account is not in it yet */
  readModelBalance: number | null;
}

/**
 * Events behind = Σ stream version (event store) − Σ last applied version (read_model.account_progress), over the
 * visible accounts; the same measure as the projections' `behind` on /ops.
 */
async function readModelFreshnessOnce(db: Db, visibility?: Visibility): Promise<Freshness> {
  const result = await db.query<{ behind: string; as_of: Date | null; now: Date }>(
    `SELECT coalesce(sum(s.version - coalesce(p.last_applied_version, 0)), 0)::text AS behind,
            max(p.updated_at) AS as_of, clock_timestamp() AS now
       FROM event_store.streams AS s
       LEFT JOIN read_model.account_progress AS p ON p.account_id::text = s.stream_id
      WHERE s.stream_type = 'account' AND ${visibleAccountSql('s.stream_id', 1)}`,
    [ownerParam(visibility)],
  );
  const row = result.rows[0];
  return {
    eventsBehind: Math.max(0, Number(row?.behind ?? 0)),
    asOf: row?.as_of ?? null,
    checkedAt: row?.now ?? new Date(),
  };
}

/** One account's freshness; undefined when the event store has no such (visible) account. */
async function accountFreshnessOnce(
  db: Db,
  accountId: string,
  visibility?: Visibility,
): Promise<AccountFreshness | undefined> {
  const result = await db.query<{
    version: number;
    applied: number | null;
    as_of: Date | null;
    balance: string | null;
    now: Date;
  }>(
    `SELECT s.version, p.last_applied_version AS applied, p.updated_at AS as_of, b.balance::text AS balance,
            clock_timestamp() AS now
       FROM event_store.streams AS s
       LEFT JOIN read_model.account_progress AS p ON p.account_id = $1::uuid
       LEFT JOIN read_model.balances AS b ON b.account_id = $1::uuid
      WHERE s.stream_id = $1::text AND s.stream_type = 'account' AND ${visibleAccountSql('s.stream_id', 2)}`,
    [accountId, ownerParam(visibility)],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const applied = row.applied ?? 0;
  return {
    eventsBehind: Math.max(0, row.version - applied),
    asOf: row.as_of,
    checkedAt: row.now,
    storeVersion: row.version,
    appliedVersion: applied,
    readModelBalance: row.balance === null ? null : centsFromNumeric(row.balance),
  };
}

export const readModelFreshness = retryingRead(readModelFreshnessOnce);
export const accountFreshness = retryingRead(accountFreshnessOnce);
