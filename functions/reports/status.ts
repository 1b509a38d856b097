import type { Kafka } from 'kafkajs';
import { getConfig } from '../../lib/config/env';
import { getPool } from '../../lib/db/pool';
import { httpHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/json';
import { createKafka } from '../../lib/kafka/client';
import { countMessages, fetchConsumerLag, type TopicLag } from '../../lib/kafka/offsets';
import { logger } from '../../lib/observability/logger';
import { projectorStatus } from '../../lib/projections/status';
import { relayStatus } from '../../lib/relay/status';
import { PROJECTOR_CONSUMER_GROUP } from '../../lib/projections/projector';

let kafka: Kafka | undefined;

// A status page must answer quickly when Kafka is away: short timeouts, no retries.
function statusKafka(): Kafka {
  kafka ??= createKafka({
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retries: 1,
    initialRetryTime: 100,
    maxRetryTime: 500,
  });
  return kafka;
}

async function kafkaStatus(topic: string, deadLetterTopic: string) {
  try {
    const [lag, deadLetters] = await Promise.all([
      fetchConsumerLag(statusKafka(), topic, PROJECTOR_CONSUMER_GROUP),
      countMessages(statusKafka(), deadLetterTopic),
    ]);
    return {
      available: true as const,
      consumer: lag satisfies TopicLag,
      deadLetter: { topic: deadLetterTopic, count: deadLetters },
    };
  } catch (error) {
    logger.warn('Status: Kafka unavailable', { error });
    return {
      available: false as const,
      error: error instanceof Error ? error.message : String(error),
      deadLetter: { topic: deadLetterTopic, count: null },
    };
  }
}

/**
 * GET /api/reports/status → relay checkpoint vs event-store head, consumer lag per partition of the projector's
 * group, per-projection progress and parked events, dead-letter count. 200 while the database answers (Kafka being
 * away is reported in the body, it is what this page is for).
 */
export const handler = httpHandler({}, async () => {
  const config = getConfig();
  const pool = getPool();
  const [relay, projector, kafkaReport] = await Promise.all([
    relayStatus(pool, config.KAFKA_TOPIC),
    projectorStatus(pool),
    kafkaStatus(config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC),
  ]);
  return jsonResponse(200, {
    relay: {
      ...relay,
      lastRelayAt: relay.lastRelayAt?.toISOString() ?? null,
      upToDate: relay.pendingEvents === 0,
    },
    kafka: {
      topic: config.KAFKA_TOPIC,
      consumerGroup: PROJECTOR_CONSUMER_GROUP,
      available: kafkaReport.available,
      ...(kafkaReport.available
        ? { partitions: kafkaReport.consumer.partitions, totalLag: kafkaReport.consumer.totalLag }
        : { error: kafkaReport.error }),
    },
    projections: projector.projections.map((projection) => ({
      ...projection,
      lastAppliedAt: projection.lastAppliedAt?.toISOString() ?? null,
    })),
    projector: {
      accountsTracked: projector.accountsTracked,
      parkedEvents: projector.parkedEvents,
      oldestParkedAt: projector.oldestParkedAt?.toISOString() ?? null,
      lastRebuild: projector.lastRebuild
        ? { ...projector.lastRebuild, rebuiltAt: projector.lastRebuild.rebuiltAt.toISOString() }
        : null,
    },
    deadLetter: kafkaReport.deadLetter,
  });
});
