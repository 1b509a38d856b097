import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { getConfig, type Config } from '../config/env';
import { logger } from '../observability/logger';
import { scramSasl } from './scram';

/**
 * Authentication. Locally the broker is plaintext (`KAFKA_AUTH=none`). On MSK with IAM (`KAFKA_AUTH=iam`) the client
 * speaks TLS + SASL/OAUTHBEARER with a token signed by the function role's credentials (aws-msk-iam-sasl-signer-js).
 * A self-managed cluster (`KAFKA_AUTH=scram-sha-512`) speaks TLS + SASL/SCRAM-SHA-512 with the credentials of
 * KAFKA_SASL_SECRET_ARN, read from Secrets Manager when the first connection authenticates (scram.ts).
 */
export function kafkaAuthOptions(
  config: Pick<Config, 'KAFKA_AUTH' | 'KAFKA_SASL_SECRET_ARN' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  switch (config.KAFKA_AUTH) {
    case 'none':
      return {};
    case 'iam':
      return { ssl: true, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: signedByLambdaRole } };
    case 'scram-sha-512':
      return { ssl: true, sasl: scramSasl(config) };
  }
}

async function signedByLambdaRole(): Promise<{ value: string }> {
  const region = getConfig().AWS_REGION;
  if (!region) throw new Error('KAFKA_AUTH=iam needs AWS_REGION (set by Lambda)');
  const { token } = await generateAuthToken({ region });
  return { value: token };
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// kafkajs' own table of broker error codes (not part of its typed API; the package has no `exports` map).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: ReadonlyArray<{ message: string; retriable: boolean }>;
};
const RETRIABLE_BROKER_ERRORS = new Set(errorCodes.filter((code) => code.retriable).map((code) => code.message));

/**
 * kafkajs messages that are debug, not warnings, for this project:
 *  - its Connection logs every error response at ERROR before its retrier handles it; a retriable one (a coordinator
 *    still loading after the broker starts, a leader moving) is retried, and if the retries run out the caller gets the
 *    error and reports it;
 *  - "Limiting retries for the idempotent producer may invalidate EoS guarantees": kafkajs merges the client's
 *    `retry` (createKafka's bounded retries) into every producer's and warns when an idempotent producer's retries are
 *    not unbounded. Ours are bounded on purpose (a send must end within the relay's lease), and a producer whose send
 *    failed is thrown away, never reused (outbox/relay/producer-handle.ts, projections/dead-letter.ts): consumers drop
 *    the resulting duplicates by account version. Unbounded retries would be the only way to silence it at the source.
 */
export function isRoutineKafkaLog(entry: Pick<LogEntry, 'namespace' | 'log'>): boolean {
  const { message, error } = entry.log as { message?: string; error?: unknown };
  if (entry.namespace === 'Producer' && message?.startsWith('Limiting retries for the idempotent producer'))
    return true;
  return (
    entry.namespace === 'Connection' &&
    message?.startsWith('Response ') === true &&
    typeof error === 'string' &&
    RETRIABLE_BROKER_ERRORS.has(error)
  );
}

/** kafkajs logs through our structured logger; its INFO chatter and its routine messages are demoted to debug. */
function logCreator() {
  return (entry: LogEntry) => {
    const { level, namespace, log } = entry;
    // kafkajs' own timestamp and logger name repeat what every log line already has.
    const extra = Object.fromEntries(
      Object.entries(log).filter(([key]) => key !== 'message' && key !== 'timestamp' && key !== 'logger'),
    );
    const name = LEVEL_NAMES[level] ?? 'debug';
    const method = name === 'info' || isRoutineKafkaLog(entry) ? 'debug' : name;
    logger[method](`kafkajs ${namespace}: ${log.message}`, { kafka: extra });
  };
}

export interface KafkaClientOptions {
  brokers?: string[];
  clientId?: string;
  /** ms to establish a TCP connection (kafkajs default 1000). */
  connectionTimeout?: number;
  /** ms for a request to the broker (kafkajs default 30000). */
  requestTimeout?: number;
  /** client-level retries (kafkajs default 5 with exponential backoff, ~13 s before failing with no broker). */
  retries?: number;
  maxRetryTime?: number;
  initialRetryTime?: number;
}

/** A new client from config, with overrides (tests point one at a closed port or a proxy). */
export function createKafka(options: KafkaClientOptions = {}): Kafka {
  const config = getConfig();
  const brokers = options.brokers ?? config.KAFKA_BROKERS;
  if (!brokers || brokers.length === 0) throw new Error('KAFKA_BROKERS is not set');
  return new Kafka({
    clientId: options.clientId ?? config.KAFKA_CLIENT_ID,
    brokers,
    ...kafkaAuthOptions(config),
    connectionTimeout: options.connectionTimeout ?? 3_000,
    requestTimeout: options.requestTimeout ?? 30_000,
    retry: {
      retries: options.retries ?? 5,
      initialRetryTime: options.initialRetryTime ?? 300,
      maxRetryTime: options.maxRetryTime ?? 30_000,
    },
    logLevel: logLevel.WARN,
    logCreator,
  });
}

let shared: Kafka | undefined;

/** The container's client (memoised). Clients are cheap: producers, consumers and admins hold the connections. */
export function getKafka(): Kafka {
  shared ??= createKafka();
  return shared;
}

export function resetKafkaForTests(): void {
  shared = undefined;
}
