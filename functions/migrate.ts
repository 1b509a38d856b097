import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import type { Pool } from 'pg';
import { z } from 'zod';
import { setApplicationRolePassword } from '../lib/platform/db/app-role';
import { createDirectPool } from '../lib/platform/db/pool';
import { migrate, MIGRATIONS_DIR } from '../lib/platform/db/migrate';
import { logger } from '../lib/platform/observability/logger';
import { waitUntil } from '../lib/platform/wait-until';

/**
 * Applies pending migrations on AWS, where the database is only reachable from inside the VPC. Every
 * `serverless deploy` runs it before the other functions are updated (custom resource DatabaseMigrations,
 * resources/migrations.yml); `npx serverless invoke -f migrate --stage aws` runs it by hand. Locally `npm start`, the
 * tests and `npm run migrate` apply the migrations. Safe to run concurrently and repeatedly (advisory lock, checksums).
 *
 * It logs in as the database owner (createDirectPool: MIGRATION_DB_* when set, else this function's DB_SECRET_ARN /
 * DB_USER, the owner's in serverless.yml), through its own one-connection pool whose statements are bounded by the
 * function's remaining time rather than the request-sized statement timeout (DB_STATEMENT_TIMEOUT_MS) of the other
 * functions: SET LOCAL in each migration's transaction, never a startup parameter (RDS Proxy). Then, when
 * APP_DB_SECRET_ARN names the application role's secret ({"username", "password"}), it gives that role (created,
 * with its grants, by a migration) LOGIN and the secret's password, sent as a SCRAM-SHA-256 verifier so that the
 * password itself never reaches the server's statement logs (lib/platform/db/app-role.ts).
 */
export const handler = async (
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ applied: number; appRole?: string }> => {
  const remainingMs = context?.getRemainingTimeInMillis();
  logger.info('Migrating', { trigger: triggerOf(event), remainingMs });
  const pool = createDirectPool({ max: 1, application_name: 'ledgerline-migrate' });
  // Cancelled by PostgreSQL before Lambda would freeze the function in the middle of a statement.
  const statementTimeoutMs = remainingMs === undefined ? 0 : Math.max(1_000, remainingMs - STOP_BEFORE_TIMEOUT_MS);
  try {
    // On a stack's first deployment RDS Proxy may still be registering the database: wait for it, for a while.
    const waitMs = remainingMs === undefined ? 60_000 : Math.min(300_000, remainingMs / 3);
    await waitUntil('the database', () => pool.query('SELECT 1'), { timeoutMs: waitMs, intervalMs: 5_000 });
    const applied = await migrate(pool, MIGRATIONS_DIR, { statementTimeoutMs });
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
  await setApplicationRolePassword(pool, { username, password });
  return username;
}

export { scramSha256Verifier } from '../lib/platform/db/app-role';
