import type { PoolClient } from 'pg';
import { assertInTransaction } from '../platform/db/pool';
import type { Queryable } from './types';

function isClient(db: Queryable): db is PoolClient {
  return typeof (db as Partial<PoolClient>).release === 'function';
}

/**
 * Writes accept a pool (the statement is then its own transaction) or a client inside withTransaction(); a client
 * outside a transaction is refused, since a caller handing one in expects its writes to be grouped.
 */
export function assertWritable(db: Queryable): void {
  if (isClient(db)) assertInTransaction(db);
}
