import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { logger } from '../observability/logger';
import { traceAwsClient } from '../observability/tracer';
import { getConfig } from './env';

/**
 * Database credentials in AWS come from Secrets Manager secrets (`{"username": "...", "password": "...", ...}`): the
 * application role's, named by DB_SECRET_ARN, and for migrations and other owner work the owner's (the RDS-managed
 * master user secret), named by MIGRATION_DB_SECRET_ARN. Each is read once per Lambda container and kept in memory
 * across invocations. A secret may be rotated; connections opened before a rotation keep working, and the first new
 * one after it fails authentication: the pool (lib/platform/db/pool.ts) then calls
 * `invalidateDatabaseCredentials()` and tries once more, which reads the secret again.
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
const cached = new Map<string, Promise<DatabaseCredentials>>();

function secretsManager(): SecretsManagerClient {
  // Its calls are X-Ray subsegments on AWS.
  client ??= traceAwsClient(new SecretsManagerClient({ maxAttempts: 3 }));
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
 * The credentials in `secretId` (default DB_SECRET_ARN), fetched on first use and then served from memory.
 * Concurrent callers share one request; a failed request is not cached, so the next caller tries again.
 */
export function getDatabaseCredentials(secretId = getConfig().DB_SECRET_ARN): Promise<DatabaseCredentials> {
  if (!secretId) {
    return Promise.reject(new DatabaseSecretError('DB_SECRET_ARN is not set'));
  }
  const known = cached.get(secretId);
  if (known) return known;
  const pending = fetchCredentials(secretId);
  cached.set(secretId, pending);
  pending.catch(() => {
    // Forget a failure (unless an invalidation already replaced this request).
    if (cached.get(secretId) === pending) cached.delete(secretId);
  });
  return pending;
}

/**
 * Drops the cached credentials of `secretId` (all of them without one) after an authentication failure: the next
 * `getDatabaseCredentials()` refetches.
 */
export function invalidateDatabaseCredentials(secretId?: string): void {
  if (secretId === undefined) cached.clear();
  else cached.delete(secretId);
}

/** Short alias of `invalidateDatabaseCredentials`. */
export const invalidate = invalidateDatabaseCredentials;

/** Forgets the cached credentials and the SDK client (tests change the endpoint and the secret between cases). */
export function resetSecretsForTests(): void {
  invalidateDatabaseCredentials();
  client?.destroy();
  client = undefined;
}
