import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { getConfig, type Config } from '../config/env';
import { logger } from '../observability/logger';

/**
 * Authentication. Locally the broker is plaintext (`KAFKA_AUTH=none`). On MSK with IAM (`KAFKA_AUTH=iam`) the client
 * speaks TLS + SASL/OAUTHBEARER with a token signed by the function role's credentials (aws-msk-iam-sasl-signer-js).
 * A self-managed cluster (`KAFKA_AUTH=scram-sha-512`) takes KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD over TLS.
 */
export function kafkaAuthOptions(
  config: Pick<Config, 'KAFKA_AUTH' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  switch (config.KAFKA_AUTH) {
    case 'none':
      return {};
    case 'iam':
      return { ssl: true, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: signedByLambdaRole } };
    case 'scram-sha-512': {
      const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
      if (!username || !password)
        throw new Error('KAFKA_AUTH=scram-sha-512 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
      return { ssl: true, sasl: { mechanism: 'scram-sha-512', username, password } };
    }
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

/** kafkajs logs through our structured logger; its INFO chatter is demoted to debug. */
function logCreator() {
  return ({ level, label, log }: LogEntry) => {
    const { message, ...extra } = log;
    const name = LEVEL_NAMES[level] ?? 'debug';
    const method = name === 'info' ? 'debug' : name;
    logger[method](`kafkajs ${label}: ${message}`, { kafka: extra });
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

/** A new client from config, with overrides (tests point one at a closed port; the nudge uses short timeouts). */
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
