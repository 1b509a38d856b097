import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { escapeIdentifier, escapeLiteral, type Pool } from 'pg';
import { z } from 'zod';
import { createPool } from '../lib/platform/db/pool';
import { migrate } from '../lib/platform/db/migrate';
import { logger } from '../lib/platform/observability/logger';
import { waitUntil } from '../lib/platform/wait-until';

/**
 * Applies pending migrations on AWS, where the database is only reachable from inside the VPC. Every
 * `serverless deploy` runs it before the other functions are updated (custom resource DatabaseMigrations,
 * resources/migrations.yml); `npx serverless invoke -f migrate --stage aws` runs it by hand. Locally `npm start`, the
 * tests and `npm run migrate` apply the migrations. Safe to run concurrently and repeatedly (advisory lock, checksums).
 *
 * It logs in as the database owner (this function's DB_SECRET_ARN / DB_USER), through its own one-connection pool
 * whose statements are bounded by the function's remaining time rather than the request-sized statement timeout
 * (DB_STATEMENT_TIMEOUT_MS) of the other functions. Then, when APP_DB_SECRET_ARN names the application role's secret
 * ({"username", "password"}), it gives that role (created, with its grants, by a migration) LOGIN and the secret's
 * password, sent as a SCRAM-SHA-256 verifier so that the password itself never reaches the server's statement logs.
 */
export const handler = async (
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ applied: number; appRole?: string }> => {
  const remainingMs = context?.getRemainingTimeInMillis();
  logger.info('Migrating', { trigger: triggerOf(event), remainingMs });
  const pool = createPool({
    max: 1,
    application_name: 'ledgerline-migrate',
    // Cancelled by PostgreSQL before Lambda would freeze the function in the middle of a statement.
    statement_timeout: remainingMs === undefined ? false : Math.max(1_000, remainingMs - STOP_BEFORE_TIMEOUT_MS),
  });
  try {
    // On a stack's first deployment RDS Proxy may still be registering the database: wait for it, for a while.
    const waitMs = remainingMs === undefined ? 60_000 : Math.min(300_000, remainingMs / 3);
    await waitUntil('the database', () => pool.query('SELECT 1'), { timeoutMs: waitMs, intervalMs: 5_000 });
    const applied = await migrate(pool);
    const appRole = await enableAppRoleLogin(pool);
    logger.info('Migrations done', { applied, appRole });
    return { applied, ...(appRole === undefined ? {} : { appRole }) };
  } finally {
    await pool.end();
  }
};

const STOP_BEFORE_TIMEOUT_MS = 20_000;

function triggerOf(event: unknown): string {
  const source = (event as { source?: unknown } | null)?.source;
  return typeof source === 'string' ? source : 'invoke';
}

const appSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(16) });

/** LOGIN and the current password for the application role, from APP_DB_SECRET_ARN; undefined when unset. */
async function enableAppRoleLogin(pool: Pool): Promise<string | undefined> {
  const secretId = process.env.APP_DB_SECRET_ARN;
  if (!secretId) return undefined;
  const client = new SecretsManagerClient({ maxAttempts: 3 });
  let secretString: string | undefined;
  try {
    secretString = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } finally {
    client.destroy();
  }
  const parsed = appSecretSchema.safeParse(JSON.parse(secretString ?? 'null'));
  if (!parsed.success) throw new Error(`Secret ${secretId} needs a username and a password of 16+ characters`);
  const { username, password } = parsed.data;
  const role = await pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
  if (role.rowCount === 0) {
    throw new Error(
      `Role ${username} does not exist: a migration must create it, with its grants, before it can log in`,
    );
  }
  await pool.query(
    `ALTER ROLE ${escapeIdentifier(username)} WITH LOGIN PASSWORD ${escapeLiteral(scramSha256Verifier(password))}`,
  );
  return username;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, PostgreSQL's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`). PostgreSQL takes it as an already encrypted password.
 * The password is used as is: PostgreSQL's SASLprep leaves printable ASCII (what the stack generates) unchanged.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
