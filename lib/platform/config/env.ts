import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DB_SECRET_ARN: z.string().min(1).optional(),
  DB_HOST: z.string().min(1).optional(),
  DB_NAME: z.string().min(1).default('ledgerline'),
  DB_POOL_MAX: positiveInt(5),
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
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  AWS_REGION: z.string().optional(),
});

export type Config = z.infer<typeof envSchema>;

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
  cached = parsed.data;
  return cached;
}

export function resetConfigForTests(): void {
  cached = undefined;
}
