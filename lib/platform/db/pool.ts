import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { getConfig } from '../config/env';
import { logger } from '../observability/logger';
import { getDatabaseCredentials, invalidateDatabaseCredentials } from '../config/secrets';

/** A client inside BEGIN … COMMIT. Code that must run atomically takes a Tx, never a Pool. */
export type Tx = PoolClient & { readonly __inTransaction: true };

let pool: Pool | undefined;

/** One pool per Lambda container, reused across invocations; no session state, so RDS Proxy can multiplex it. */
export function getPool(): Pool {
  pool ??= createPool();
  return pool;
}

/**
 * An idle pooled client whose connection the server ends (restart, failover, a killed backend) emits 'error' on the
 * pool; unhandled, that event would crash the process. pg has already discarded the client: log and carry on.
 */
function logIdleClientErrors(created: Pool): Pool {
  created.on('error', (error) => logger.warn('Idle database connection lost', { error }));
  return created;
}

export function createPool(overrides: PoolConfig = {}): Pool {
  const config = getConfig();
  const base: PoolConfig = {
    max: config.DB_POOL_MAX,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    application_name: 'ledgerline',
  };
  if (config.DATABASE_URL) {
    return logIdleClientErrors(new Pool({ ...base, connectionString: config.DATABASE_URL, ...overrides }));
  }
  if (config.DB_SECRET_ARN) {
    // pg calls `password` for every new connection, so a rotated secret is picked up once the cache is invalidated.
    return logIdleClientErrors(
      new Pool({
        ...base,
        host: config.DB_HOST,
        database: config.DB_NAME,
        ssl: { rejectUnauthorized: true },
        user: process.env.DB_USER,
        password: async () => (await getDatabaseCredentials()).password,
        ...overrides,
      }),
    );
  }
  throw new Error('No database configured: set DATABASE_URL (local) or DB_SECRET_ARN and DB_HOST (AWS)');
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}

const AUTHENTICATION_FAILED = '28P01';
const clientsInTransaction = new WeakSet<PoolClient>();

/**
 * Runs `work` inside one transaction. A serialization or deadlock failure is not retried here: callers that can
 * decide again (command handlers) own their retry loop. An authentication failure (rotated secret) refreshes the
 * credentials and tries exactly once more.
 */
export async function withTransaction<T>(db: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await connectWithFreshCredentialsOnce(db);
  try {
    await client.query('BEGIN');
    clientsInTransaction.add(client);
    const result = await work(client as Tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    clientsInTransaction.delete(client);
    client.release();
  }
}

async function connectWithFreshCredentialsOnce(db: Pool): Promise<PoolClient> {
  try {
    return await db.connect();
  } catch (error) {
    if ((error as { code?: string }).code !== AUTHENTICATION_FAILED) throw error;
    invalidateDatabaseCredentials();
    return db.connect();
  }
}

/** Guards functions that must not run outside a transaction (they would silently autocommit each statement). */
export function assertInTransaction(client: PoolClient): asserts client is Tx {
  if (!clientsInTransaction.has(client)) {
    throw new Error('This operation must run inside withTransaction()');
  }
}
