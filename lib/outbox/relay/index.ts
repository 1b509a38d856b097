import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { getConfig } from '../../platform/config/env';
import { getPool } from '../../platform/db/pool';
import { createKafka, type KafkaClientOptions } from '../../platform/kafka/client';
import { ensureTopicsOnce } from '../../platform/kafka/topics';
import { ProducerHandle } from './producer-handle';
import { Relay, type RelayOptions } from './relay';

export { toMessage } from './messages';
export { ProducerHandle } from './producer-handle';
export {
  ACCOUNT_STREAM_TYPE,
  Relay,
  DEFAULT_LEASE_MS,
  type DrainLimits,
  type Lease,
  type DrainResult,
  type PassResult,
  type RelayOptions,
} from './relay';

export interface CreateRelayOptions {
  pool?: Pool;
  kafka?: Kafka;
  /** client settings when no kafka is given (brokers, timeouts, retries) */
  kafkaOptions?: KafkaClientOptions;
  topic?: string;
  /** where unmappable events go (default KAFKA_DLQ_TOPIC; null: none, such an event stops the relay) */
  deadLetterTopic?: string | null;
  name?: string;
  batchSize?: number;
  sendTimeoutMs?: number;
  leaseMs?: number;
  accepts?: RelayOptions['accepts'];
  /** create the topics first if missing (default true) */
  ensureTopics?: boolean;
}

/** A relay for the configured topic, on the container's pool. */
export function createRelay(options: CreateRelayOptions = {}): Relay {
  const config = getConfig();
  const kafka = options.kafka ?? createKafka(options.kafkaOptions);
  const topic = options.topic ?? config.KAFKA_TOPIC;
  const deadLetterTopic =
    options.deadLetterTopic === null ? undefined : (options.deadLetterTopic ?? config.KAFKA_DLQ_TOPIC);
  return new Relay({
    pool: options.pool ?? getPool(),
    producer: new ProducerHandle(
      kafka,
      options.kafkaOptions?.retries === undefined ? undefined : { retries: options.kafkaOptions.retries },
    ),
    topic,
    ...(deadLetterTopic !== undefined && { deadLetterTopic }),
    ...(options.name !== undefined && { name: options.name }),
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.sendTimeoutMs !== undefined && { sendTimeoutMs: options.sendTimeoutMs }),
    ...(options.leaseMs !== undefined && { leaseMs: options.leaseMs }),
    ...(options.accepts && { accepts: options.accepts }),
    ...(options.ensureTopics !== false && {
      prepare: () => ensureTopicsOnce({ kafka, topic, ...(deadLetterTopic !== undefined && { deadLetterTopic }) }),
    }),
  });
}
