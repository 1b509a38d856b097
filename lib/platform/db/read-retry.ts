import { Pool, type PoolClient } from 'pg';
import { logger } from '../observability/logger';

/*
 * A read whose connection is lost (a restart, a failover, a proxy dropping it) is run once more on a new connection
 * before the request gives up with 503. Safe for reads only: a read changes nothing, so running it twice is harmless,
 * and the attempt that lost its connection returned no result (a statement's rows come back whole or not at all; a
 * read made of several statements is run again whole, whatever the lost attempt had read). Never for a command: its
 * COMMIT may have happened before the connection went, and only the Idempotency-Key tells (the client retries).
 */

/** The connection itself went away; not "the database is busy" (timeouts, too many connections), not a refusal. */
const LOST_SQLSTATES = new Set(['57P01', '57P02']); // admin_shutdown (pg_terminate_backend), crash_shutdown
const LOST_NODE_CODES = new Set(['ECONNRESET', 'EPIPE']);
const LOST_MESSAGES = [
  'Connection terminated',
  'terminating connection',
  'Client has encountered a connection error',
  'server conn crashed', // PgBouncer, when its server connection ends mid-statement
];

export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || LOST_SQLSTATES.has(code) || LOST_NODE_CODES.has(code))) {
    return true;
  }
  if (LOST_MESSAGES.some((text) => error.message.includes(text))) return true;
  return error.cause !== undefined && error.cause !== error && isConnectionLost(error.cause);
}

/**
 * Runs the read-only `read` on `db`; when `db` is a pool and the read's connection is lost, runs it once more (the
 * pool discards a client whose connection failed, so the retry takes a new one). On a checked-out client (a
 * transaction) nothing is retried: the transaction is gone with its connection.
 */
export async function withReadRetry<T>(db: Pool | PoolClient, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(db instanceof Pool) || !isConnectionLost(error)) throw error;
    logger.warn('A read lost its database connection: running it again on a new one', {
      error: error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : {},
    });
    return read();
  }
}

/** `read` with `withReadRetry` around every call: for query functions whose first parameter is the pool. */
export function retryingRead<Args extends unknown[], Result>(
  read: (db: Pool | PoolClient, ...args: Args) => Promise<Result>,
): (db: Pool | PoolClient, ...args: Args) => Promise<Result> {
  return (db, ...args) => withReadRetry(db, () => read(db, ...args));
}
