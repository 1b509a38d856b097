import type { Admin, Kafka } from 'kafkajs';
import { getConfig } from '../config/env';
import { logger } from '../observability/logger';
import { getKafka } from './client';

export interface TopicNames {
  topic: string;
  deadLetterTopic: string;
}

export function topicNames(): TopicNames {
  const config = getConfig();
  return { topic: config.KAFKA_TOPIC, deadLetterTopic: config.KAFKA_DLQ_TOPIC };
}

export interface EnsureTopicsOptions {
  kafka?: Kafka;
  topic?: string;
  deadLetterTopic?: string;
  partitions?: number;
  /** -1 = the broker's default.replication.factor (1 on a local broker, 3 on MSK). */
  replicationFactor?: number;
}

/**
 * Creates the events topic (KAFKA_TOPIC_PARTITIONS partitions, default 6) and the dead-letter topic when they are
 * missing. The broker never auto-creates topics (auto.create.topics.enable=false and producers are created with
 * allowAutoTopicCreation: false), so this is the only place topics come from. Safe to run concurrently and
 * repeatedly; an existing topic is left as it is (a different partition count is logged, never changed, because
 * adding partitions would move keys and break per-account order).
 */
export async function ensureTopics(options: EnsureTopicsOptions = {}): Promise<{ created: string[] }> {
  const config = getConfig();
  const kafka = options.kafka ?? getKafka();
  const topic = options.topic ?? config.KAFKA_TOPIC;
  const deadLetterTopic = options.deadLetterTopic ?? config.KAFKA_DLQ_TOPIC;
  const partitions = options.partitions ?? config.KAFKA_TOPIC_PARTITIONS;
  const replicationFactor = options.replicationFactor ?? -1;
  if (topic === deadLetterTopic) throw new Error('KAFKA_DLQ_TOPIC must differ from KAFKA_TOPIC');

  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [topic, deadLetterTopic].filter((name) => !existing.has(name));
    if (wanted.length > 0) {
      // Returns false (no error) for topics created meanwhile by a concurrent caller.
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((name) => ({ topic: name, numPartitions: partitions, replicationFactor })),
      });
      logger.info('Kafka topics ensured', { created: wanted, partitions });
    }
    await warnOnPartitionMismatch(admin, topic, partitions);
    return { created: wanted };
  } finally {
    await admin.disconnect();
  }
}

async function warnOnPartitionMismatch(admin: Admin, topic: string, partitions: number): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const actual = metadata.topics[0]?.partitions.length;
  if (actual !== undefined && actual !== partitions) {
    logger.warn('Topic partition count differs from KAFKA_TOPIC_PARTITIONS', { topic, actual, configured: partitions });
  }
}

const ensured = new Map<string, Promise<unknown>>();

/** ensureTopics once per container and topic pair (a failure is not memoised). */
export function ensureTopicsOnce(options: EnsureTopicsOptions = {}): Promise<unknown> {
  const config = getConfig();
  const key = `${options.topic ?? config.KAFKA_TOPIC}|${options.deadLetterTopic ?? config.KAFKA_DLQ_TOPIC}`;
  let pending = ensured.get(key);
  if (!pending) {
    pending = ensureTopics(options).catch((error: unknown) => {
      ensured.delete(key);
      throw error;
    });
    ensured.set(key, pending);
  }
  return pending;
}
