import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/*
 * Database connections (lib/platform/db/pool.ts). Two of them, because the application goes through a transaction
 * pooler (RDS Proxy on AWS, PgBouncer in the pooled test profile) and connects as a least-privilege role, while
 * migrations and the read-model rebuild need the owner (DDL) and the rebuild a session of its own:
 *
 *   application (every function):  local DATABASE_URL
 *                                  AWS   DB_SECRET_ARN (the ledgerline_app role's secret), DB_HOST (the RDS Proxy
 *                                        endpoint), DB_USER (ledgerline_app), DB_NAME
 *   owner (createDirectPool:       local MIGRATION_DATABASE_URL, else DATABASE_URL
 *   `npm run migrate`, `npm run    AWS   MIGRATION_DB_SECRET_ARN (the master user's secret), MIGRATION_DB_HOST (the
 *   projections:rebuild`, the            instance endpoint, not the proxy), MIGRATION_DB_USER (ledgerline_admin),
 *   migrate function)                    DB_NAME; the migrate function as serverless.yml configures it has the
 *                                        owner's secret as its DB_SECRET_ARN/DB_USER instead (through RDS Proxy,
 *                                        enough for migrations), and the app role's secret as APP_DB_SECRET_ARN
 *                                        (functions/migrate.ts gives that role LOGIN and its password)
 */
const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DB_SECRET_ARN: z.string().min(1).optional(),
  DB_HOST: z.string().min(1).optional(),
  DB_USER: z.string().min(1).optional(),
  DB_NAME: z.string().min(1).default('ledgerline'),
  MIGRATION_DATABASE_URL: z.string().url().optional(),
  MIGRATION_DB_SECRET_ARN: z.string().min(1).optional(),
  MIGRATION_DB_HOST: z.string().min(1).optional(),
  MIGRATION_DB_USER: z.string().min(1).optional(),
  DB_POOL_MAX: positiveInt(5),
  /**
   * Per transaction (`SET LOCAL`, which a transaction pooler allows). Single statements outside a transaction run
   * under the role's default instead (migrations/0005_app_role.sql: 5 s for ledgerline_app).
   */
  DB_STATEMENT_TIMEOUT_MS: positiveInt(5_000),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('ledgerline'),
  KAFKA_AUTH: z.enum(['none', 'iam', 'scram-sha-512']).default('none'),
  /**
   * SCRAM credentials (KAFKA_AUTH=scram-sha-512): on AWS the ARN of a Secrets Manager secret
   * `{"username", "password"}`, read at run time (lib/platform/kafka/scram.ts); elsewhere, or instead, literal values.
   * One or the other, never both (kafkaSaslRules).
   */
  KAFKA_SASL_SECRET_ARN: z.string().min(1).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('banking-events'),
  KAFKA_DLQ_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/)
    .default('banking-events-dlq'),
  KAFKA_TOPIC_PARTITIONS: positiveInt(6),
  PROJECTOR_CONSUMER_GROUP: z.string().min(1).default('ledgerline-projector'),
  SNAPSHOT_EVERY: positiveInt(50),
  /** how long an Idempotency-Key is remembered; older keys are new keys, and the sweep purges them */
  IDEMPOTENCY_TTL_HOURS: positiveInt(24),
  /** minutes between the end of one read-model audit and the start of the next (run by the sweep) */
  READ_MODEL_AUDIT_INTERVAL_MINUTES: positiveInt(60),
  /**
   * The relay function that command handlers hand off to after commit (asynchronous invoke). serverless.yml sets it;
   * unset (a script, a spec that does not test the hand-off), commands skip the hand-off and the scheduled relay run
   * delivers their events.
   */
  RELAY_FUNCTION_NAME: z.string().min(1).optional(),
  /**
   * The read-model rebuild function that POST /ops/rebuilds starts (asynchronous invoke). serverless.yml sets it on
   * that page's function; unset, a requested rebuild is recorded as failed (nothing to start it).
   */
  REBUILD_FUNCTION_NAME: z.string().min(1).optional(),
  /** Lambda API endpoint for asynchronous invokes: serverless-offline's (LAMBDA_PORT) locally; unset on AWS. */
  LAMBDA_ENDPOINT: z.string().url().optional(),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  AWS_REGION: z.string().optional(),
});

export type Config = z.infer<typeof envSchema>;

type KafkaSasl = Pick<Config, 'KAFKA_AUTH' | 'KAFKA_SASL_SECRET_ARN' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>;

/**
 * What is wrong with the Kafka SASL settings, if anything: SCRAM takes its credentials from exactly one place (the
 * secret, or a literal username and password), and the other modes take none (a credential set and silently unused
 * is a mistake).
 */
export function kafkaSaslProblems(config: KafkaSasl): string[] {
  const { KAFKA_SASL_SECRET_ARN: arn, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  if (config.KAFKA_AUTH !== 'scram-sha-512') {
    const set = Object.entries({
      KAFKA_SASL_SECRET_ARN: arn,
      KAFKA_SASL_USERNAME: username,
      KAFKA_SASL_PASSWORD: password,
    })
      .filter(([, value]) => value !== undefined)
      .map(([name]) => name);
    return set.length > 0 ? [`${set.join(', ')}: only used with KAFKA_AUTH=scram-sha-512`] : [];
  }
  if (arn !== undefined && (username !== undefined || password !== undefined)) {
    return [
      'KAFKA_SASL_SECRET_ARN: the secret holds the username and password; unset KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    ];
  }
  if (arn === undefined && (username === undefined || password === undefined)) {
    return ['KAFKA_AUTH=scram-sha-512 needs KAFKA_SASL_SECRET_ARN (or KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)'];
  }
  return [];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

let cached: Config | undefined;

/** Reads and validates the environment once per container; a bad value names the variable. */
export function getConfig(): Config {
  if (cached) return cached;
  // serverless.yml passes unset values as '' (e.g. DATABASE_URL on AWS): treat empty as absent.
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const problems = kafkaSaslProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  cached = parsed.data;
  return cached;
}

export function resetConfigForTests(): void {
  cached = undefined;
}
