import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { logger } from '../observability/logger';
import { getConfig } from './env';

/**
 * Database credentials in AWS come from the Secrets Manager secret named by DB_SECRET_ARN (RDS-managed master user
 * secret: `{"username": "...", "password": "...", ...}`), read once per Lambda container and kept in memory across
 * invocations. RDS rotates that secret; connections opened before a rotation keep working, and the first new one
 * after it fails with 28P01: the pool layer then calls `invalidateDatabaseCredentials()` and connects once more,
 * which reads the secret again.
 *
 * The SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER (used by the tests against a local Secrets Manager) and the usual
 * AWS_REGION / credential chain of the Lambda runtime.
 */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
}

const secretSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

export class DatabaseSecretError extends Error {
  override name = 'DatabaseSecretError';
}

let client: SecretsManagerClient | undefined;
let cached: Promise<DatabaseCredentials> | undefined;

function secretsManager(): SecretsManagerClient {
  client ??= new SecretsManagerClient({ maxAttempts: 3 });
  return client;
}

async function fetchCredentials(secretId: string): Promise<DatabaseCredentials> {
  const output = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId }));
  if (output.SecretString === undefined) {
    throw new DatabaseSecretError(`Secret ${secretId} has no SecretString`);
  }
  let json: unknown;
  try {
    json = JSON.parse(output.SecretString);
  } catch {
    throw new DatabaseSecretError(`Secret ${secretId} is not JSON`);
  }
  const parsed = secretSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    throw new DatabaseSecretError(`Secret ${secretId} lacks a valid ${fields.join(', ')}`);
  }
  logger.debug('database credentials read from Secrets Manager', { versionId: output.VersionId });
  return { username: parsed.data.username, password: parsed.data.password };
}

/**
 * The credentials from DB_SECRET_ARN, fetched on first use and then served from memory. Concurrent callers share one
 * request; a failed request is not cached, so the next caller tries again.
 */
export function getDatabaseCredentials(): Promise<DatabaseCredentials> {
  if (cached) return cached;
  const secretId = getConfig().DB_SECRET_ARN;
  if (!secretId) {
    return Promise.reject(new DatabaseSecretError('DB_SECRET_ARN is not set'));
  }
  const pending = fetchCredentials(secretId);
  cached = pending;
  pending.catch(() => {
    // Forget a failure (unless an invalidation already replaced this request).
    if (cached === pending) cached = undefined;
  });
  return pending;
}

/** Drops the cached credentials (after an authentication failure): the next `getDatabaseCredentials()` refetches. */
export function invalidateDatabaseCredentials(): void {
  cached = undefined;
}

/** Short alias of `invalidateDatabaseCredentials`. */
export const invalidate = invalidateDatabaseCredentials;

/** Forgets the cached credentials and the SDK client (tests change the endpoint and the secret between cases). */
export function resetSecretsForTests(): void {
  invalidateDatabaseCredentials();
  client?.destroy();
  client = undefined;
}
