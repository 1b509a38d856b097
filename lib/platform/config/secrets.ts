import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { logger } from '../observability/logger';
import { traceAwsClient } from '../observability/tracer';
import { getConfig } from './env';

/**
 * Secrets read at run time from Secrets Manager, never from the functions' environment (which shows only their ARNs):
 *   DB_SECRET_ARN / MIGRATION_DB_SECRET_ARN  database credentials (`{"username", "password", ...}`), the application
 *                                            role's and the owner's (the RDS-managed master user secret)
 *   KAFKA_SASL_SECRET_ARN                    a self-managed Kafka's SCRAM credentials (lib/platform/kafka/scram.ts)
 *   WEB_CSRF_SECRET_ARN                      the web forms' CSRF key, a plain string (lib/presentation/web/csrf.ts)
 * Each is read once per Lambda container and kept in memory across invocations. A secret may be rotated; connections
 * opened before a rotation keep working, and the first new one after it fails authentication: its client (the pool,
 * lib/platform/db/pool.ts; the Kafka SCRAM authenticator) then calls `invalidateSecret()` and the next connection
 * reads the secret again.
 *
 * The SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER (used by the tests against a local Secrets Manager) and the usual
 * AWS_REGION / credential chain of the Lambda runtime.
 */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

const credentialsSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

/** Secrets Manager did not give the secret (unreachable, throttled, refused, unknown secret): `cause` says why. */
export class SecretUnavailableError extends Error {
  override name = 'SecretUnavailableError';
}

/** The secret was read but its value is not what its user needs. */
export class SecretValueError extends Error {
  override name = 'SecretValueError';
}

let client: SecretsManagerClient | undefined;
const cached = new Map<string, Promise<string>>();

function secretsManager(): SecretsManagerClient {
  // Its calls are X-Ray subsegments on AWS.
  client ??= traceAwsClient(new SecretsManagerClient({ maxAttempts: 3 }));
  return client;
}

async function fetchSecretString(secretId: string): Promise<string> {
  let output;
  try {
    output = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId }));
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new SecretUnavailableError(`Reading ${secretId} from Secrets Manager failed (${reason})`, { cause: error });
  }
  if (!output.SecretString) throw new SecretValueError(`Secret ${secretId} has no SecretString`);
  logger.debug('secret read from Secrets Manager', { versionId: output.VersionId });
  return output.SecretString;
}

/**
 * The SecretString of `secretId`, fetched on first use and then served from memory. Concurrent callers share one
 * request; a failed request is not cached, so the next caller tries again.
 */
export function getSecretString(secretId: string): Promise<string> {
  const known = cached.get(secretId);
  if (known) return known;
  const pending = fetchSecretString(secretId);
  cached.set(secretId, pending);
  pending.catch(() => {
    // Forget a failure (unless an invalidation already replaced this request).
    if (cached.get(secretId) === pending) cached.delete(secretId);
  });
  return pending;
}

/**
 * A `{"username": "...", "password": "...", ...}` secret (database, Kafka SCRAM). A value that is not such JSON is not
 * kept either: the next call reads the secret again.
 */
export async function getCredentials(secretId: string): Promise<Credentials> {
  const text = await getSecretString(secretId);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    invalidateSecret(secretId);
    throw new SecretValueError(`Secret ${secretId} is not JSON`);
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success) {
    invalidateSecret(secretId);
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    throw new SecretValueError(`Secret ${secretId} lacks a valid ${fields.join(', ')}`);
  }
  return { username: parsed.data.username, password: parsed.data.password };
}

/** The database credentials in `secretId` (default DB_SECRET_ARN). */
export function getDatabaseCredentials(secretId = getConfig().DB_SECRET_ARN): Promise<Credentials> {
  if (!secretId) return Promise.reject(new SecretValueError('DB_SECRET_ARN is not set'));
  return getCredentials(secretId);
}

/**
 * Drops the cached value of `secretId` (all of them without one) after an authentication failure: the next read
 * fetches it again.
 */
export function invalidateSecret(secretId?: string): void {
  if (secretId === undefined) cached.clear();
  else cached.delete(secretId);
}

/** Forgets the cached secrets and the SDK client (tests change the endpoint and the secret between cases). */
export function resetSecretsForTests(): void {
  invalidateSecret();
  client?.destroy();
  client = undefined;
}
