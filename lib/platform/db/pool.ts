import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { getConfig, type Config } from '../config/env';
import { logger } from '../observability/logger';
import { inSubsegment } from '../observability/tracer';
import { getDatabaseCredentials, invalidateSecret } from '../config/secrets';

/*
 * Every connection of the application may go through a transaction pooler (RDS Proxy on AWS, PgBouncer in the
 * pooled test profile): consecutive transactions of one client may run on different server sessions. So nothing here
 * or in the code above relies on session state:
 *  - no startup parameters (a pooler refuses or pins them): timeouts are set per transaction with SET LOCAL
 *    (withTransaction) and, for single statements outside a transaction, by the role's default
 *    (migrations/0005_app_role.sql);
 *  - no named prepared statements (they live in one server session);
 *  - no session-level SET, advisory locks, temporary tables or LISTEN: only their transaction-scoped forms.
 * What truly needs a session (migrations, the read-model rebuild's lock) takes a direct connection as the owner:
 * createDirectPool().
 */

/** A client inside BEGIN … COMMIT. Code that must run atomically takes a Tx, never a Pool. */
export type Tx = PoolClient & { readonly __inTransaction: true };

/** What a transaction pooler refuses (or pins a session for) when sent at connection start. */
const SESSION_PARAMETERS = ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'options'];

const AUTHENTICATION_FAILED = '28P01';

/**
 * A failed login: 28P01 from PostgreSQL; PgBouncer reports its own check failing as 08P01 "… authentication failed".
 * Only ever raised while connecting, so nothing was sent yet and trying again is safe.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === AUTHENTICATION_FAILED || (code === '08P01' && /authentication failed/i.test(message ?? ''));
}

interface PoolSettings {
  /** Set in Secrets Manager mode: forgets the cached secret after a failed login. */
  refreshCredentials?: () => void;
  /** A connection straight to PostgreSQL as the owner (sessions of its own), not through a pooler. */
  direct: boolean;
  statementTimeoutMs: number;
}

/** Pools straight to PostgreSQL (createDirectPool but for its RDS Proxy fallback): sessions of their own. */
export function isDirectPool(db: Pool): boolean {
  return db instanceof DatabasePool && db.direct;
}

/**
 * pg's Pool with the project's connection rules built in, so that every path gets them, whether it runs a single
 * statement (`pool.query`) or checks a client out (`pool.connect`, withTransaction):
 *  - a failed login (rotated secret) refreshes the credentials and is tried exactly once more;
 *  - every client has its `error` event handled, idle or checked out: a connection the server ends (restart,
 *    failover, pg_terminate_backend) fails the statement running on it, never the process.
 */
// Typed as a plain Pool where it is handed out (createPool, getPool): its overrides keep pg's signatures.
class DatabasePool extends Pool {
  readonly direct: boolean;
  readonly statementTimeoutMs: number;
  private readonly refreshCredentials: (() => void) | undefined;

  constructor(config: PoolConfig, settings: PoolSettings) {
    const refused = SESSION_PARAMETERS.filter((name) => config[name as keyof PoolConfig] !== undefined);
    if (refused.length > 0) {
      throw new Error(
        `createPool: ${refused.join(', ')} would be sent as startup parameters, which a transaction pooler refuses; ` +
          'set them per transaction (SET LOCAL) or as the role default instead',
      );
    }
    super(config);
    this.direct = settings.direct;
    this.statementTimeoutMs = settings.statementTimeoutMs;
    this.refreshCredentials = settings.refreshCredentials;
    // pg has already discarded an idle client whose connection failed (and the client's own listener below logged
    // it); unhandled, this 'error' would crash the process.
    this.on('error', () => undefined);
    this.on('connect', (client) => {
      client.on('error', (error) => {
        logger.warn('Database connection lost', { error: describe(error) });
      });
    });
  }

  // pg's overloads (callbacks, submittables) pass through unchanged; the promise forms get the credential retry.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override connect(...args: any[]): any {
    const connect = (): Promise<PoolClient> => (super.connect as (...a: unknown[]) => Promise<PoolClient>).apply(this);
    if (args.length > 0) return (super.connect as (...a: unknown[]) => unknown).apply(this, args);
    return this.withFreshCredentials(connect);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const query = (): unknown => (super.query as (...a: unknown[]) => unknown).apply(this, args);
    const submittable = typeof (args[0] as { submit?: unknown } | undefined)?.submit === 'function';
    if (submittable || typeof args.at(-1) === 'function') return query();
    return inSubsegment('postgres query', () => this.withFreshCredentials(query as () => Promise<unknown>));
  }

  private async withFreshCredentials<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!this.refreshCredentials || !isAuthenticationFailure(error)) throw error;
      logger.warn('Database login failed: reading the secret again and retrying once', { error: describe(error) });
      this.refreshCredentials();
      return attempt();
    }
  }
}

function describe(error: unknown): { message: string; code?: string } {
  const { message, code } = (error ?? {}) as { message?: string; code?: string };
  return { message: message ?? String(error), ...(code && { code }) };
}

let pool: Pool | undefined;

/** One pool per Lambda container, reused across invocations; no session state, so RDS Proxy can multiplex it. */
export function getPool(): Pool {
  pool ??= createPool();
  return pool;
}

const base = (config: Config): PoolConfig => ({
  max: config.DB_POOL_MAX,
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 5_000,
});

/**
 * The application's connection: DATABASE_URL locally; on AWS the ledgerline_app role through RDS Proxy
 * (DB_SECRET_ARN, DB_HOST, DB_USER, DB_NAME). See lib/platform/config/env.ts.
 */
export function createPool(overrides: PoolConfig = {}): Pool {
  const config = getConfig();
  const settings = { direct: false, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS };
  if (config.DATABASE_URL) {
    return new DatabasePool({ ...base(config), connectionString: config.DATABASE_URL, ...overrides }, settings);
  }
  if (config.DB_SECRET_ARN) {
    return secretPool(config, overrides, settings, {
      secretArn: config.DB_SECRET_ARN,
      host: config.DB_HOST,
      user: config.DB_USER,
      names: ['DB_HOST', 'DB_USER'],
    });
  }
  throw new Error('No database configured: set DATABASE_URL (local) or DB_SECRET_ARN, DB_HOST and DB_USER (AWS)');
}

/**
 * The owner's connection, for what needs DDL or a session of its own: migrations (CREATE/ALTER …) and the read-model
 * rebuild (a session advisory lock held across many transactions). From the first of:
 *  - MIGRATION_DATABASE_URL, else DATABASE_URL (local; set MIGRATION_DATABASE_URL whenever DATABASE_URL points at a
 *    pooler): straight to PostgreSQL;
 *  - MIGRATION_DB_SECRET_ARN, MIGRATION_DB_HOST (the RDS instance endpoint, not the proxy), MIGRATION_DB_USER (AWS,
 *    e.g. the rebuild from an operator's machine in the VPC): straight to PostgreSQL. On Lambda the instance's
 *    certificate is signed by the RDS CA: give such a function NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem;
 *  - DB_SECRET_ARN, DB_HOST, DB_USER: the function's own connection, which for the migrate function on AWS is the
 *    owner's secret through RDS Proxy (serverless.yml). Enough for migrations (each is one transaction under a
 *    transaction-scoped lock), not for the rebuild: such a pool is not direct (isDirectPool), and the rebuild refuses
 *    it.
 */
export function createDirectPool(overrides: PoolConfig = {}): Pool {
  const config = getConfig();
  const settings = { direct: true, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS };
  const url = config.MIGRATION_DATABASE_URL ?? (config.MIGRATION_DB_SECRET_ARN ? undefined : config.DATABASE_URL);
  if (url) return new DatabasePool({ ...base(config), connectionString: url, ...overrides }, settings);
  if (config.MIGRATION_DB_SECRET_ARN) {
    return secretPool(config, overrides, settings, {
      secretArn: config.MIGRATION_DB_SECRET_ARN,
      host: config.MIGRATION_DB_HOST,
      user: config.MIGRATION_DB_USER,
      names: ['MIGRATION_DB_HOST', 'MIGRATION_DB_USER'],
    });
  }
  if (config.DB_SECRET_ARN) {
    return secretPool(
      config,
      overrides,
      { ...settings, direct: false },
      {
        secretArn: config.DB_SECRET_ARN,
        host: config.DB_HOST,
        user: config.DB_USER,
        names: ['DB_HOST', 'DB_USER'],
      },
    );
  }
  throw new Error(
    'No owner connection configured: set MIGRATION_DATABASE_URL (or DATABASE_URL) locally, or ' +
      'MIGRATION_DB_SECRET_ARN, MIGRATION_DB_HOST and MIGRATION_DB_USER (AWS)',
  );
}

function secretPool(
  config: Config,
  overrides: PoolConfig,
  settings: { direct: boolean; statementTimeoutMs: number },
  source: { secretArn: string; host?: string; user?: string; names: [string, string] },
): DatabasePool {
  const { secretArn, host, user } = source;
  if (!host || !user) throw new Error(`${source.names.join(' and ')} must be set with the secret's ARN`);
  // pg calls `password` for every new connection, so a rotated secret is picked up once the cache is invalidated.
  return new DatabasePool(
    {
      ...base(config),
      host,
      database: config.DB_NAME,
      ssl: { rejectUnauthorized: true },
      user,
      password: async () => (await getDatabaseCredentials(secretArn)).password,
      ...overrides,
    },
    { ...settings, refreshCredentials: () => invalidateSecret(secretArn) },
  );
}

export async function closePool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}

const clientsInTransaction = new WeakSet<PoolClient>();

export interface TransactionOptions {
  /** Per statement, for this transaction only (`SET LOCAL`); 0 = none. Default: the pool's (DB_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
}

/**
 * Runs `work` inside one transaction, under a statement timeout set for this transaction only (SET LOCAL: nothing
 * stays behind on a pooled server session). A serialization or deadlock failure is not retried here: callers that
 * can decide again (command handlers) own their retry loop. A failed login (rotated secret) is retried once by the
 * pool's connect(). On AWS the transaction is an X-Ray subsegment (a standalone pool.query is one too).
 */
export function withTransaction<T>(
  db: Pool,
  work: (tx: Tx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return inSubsegment('postgres transaction', () => runTransaction(db, work, options));
}

async function runTransaction<T>(db: Pool, work: (tx: Tx) => Promise<T>, options: TransactionOptions): Promise<T> {
  const timeout =
    options.statementTimeoutMs ??
    (db instanceof DatabasePool ? db.statementTimeoutMs : getConfig().DB_STATEMENT_TIMEOUT_MS);
  if (!Number.isSafeInteger(timeout) || timeout < 0) throw new Error(`Invalid statement timeout ${timeout}`);
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    // One round trip (a simple query may hold several statements).
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${timeout}`);
    clientsInTransaction.add(client);
    const result = await work(client as Tx);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackFailed: unknown) => {
      // The connection is gone (or unusable): the pool must not hand it out again.
      broken = rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed));
    });
    throw error;
  } finally {
    clientsInTransaction.delete(client);
    client.release(broken);
  }
}

/** Guards functions that must not run outside a transaction (they would silently autocommit each statement). */
export function assertInTransaction(client: PoolClient): asserts client is Tx {
  if (!clientsInTransaction.has(client)) {
    throw new Error('This operation must run inside withTransaction()');
  }
}
