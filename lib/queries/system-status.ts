import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { getConfig } from '../platform/config/env';
import { getPool } from '../platform/db/pool';
import { withReadRetry } from '../platform/db/read-retry';
import { createKafka } from '../platform/kafka/client';
import { countMessages, fetchConsumerLag, type TopicLag } from '../platform/kafka/offsets';
import { logger } from '../platform/observability/logger';
import { count, emitMetrics, METRIC, seconds, type MetricPoint } from '../platform/observability/metrics';
import { projectorStatus, type ProjectorStatus } from '../projections/status';
import { relayStatus, type RelayStatus } from '../outbox/relay/status';

/**
 * What GET /api/reports/status and the /ops page report: relay checkpoint vs head, consumer lag per partition,
 * projection progress and dead letters, gathered in one go. Kafka being away is part of the answer, not an error.
 */
export type SystemStatus = {
  generatedAt: Date;
  relay: RelayStatus;
  projector: ProjectorStatus;
  topic: string;
  consumerGroup: string;
  kafka: { available: true; consumer: TopicLag; deadLetters: number } | { available: false; error: string };
  deadLetterTopic: string;
};

let kafka: Kafka | undefined;

function statusKafka(): Kafka {
  // A page must answer quickly when Kafka is away: short timeouts, few quick retries. Not 0 retries: kafkajs' admin
  // needs one to find the group coordinator right after connecting ("No brokers in the broker pool" otherwise).
  kafka ??= createKafka({
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retries: 2,
    initialRetryTime: 100,
    maxRetryTime: 500,
  });
  return kafka;
}

async function kafkaPart(topic: string, deadLetterTopic: string, group: string): Promise<SystemStatus['kafka']> {
  try {
    const [consumer, deadLetters] = await Promise.all([
      fetchConsumerLag(statusKafka(), topic, group),
      countMessages(statusKafka(), deadLetterTopic),
    ]);
    return { available: true, consumer, deadLetters };
  } catch (error) {
    logger.warn('Status: Kafka unavailable', { error: error as Error });
    return { available: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export async function loadSystemStatus(): Promise<SystemStatus> {
  const config = getConfig();
  const pool = getPool();
  const [relay, projector, kafkaReport] = await Promise.all([
    withReadRetry(pool, () => relayStatus(pool, config.KAFKA_TOPIC)),
    withReadRetry(pool, () => projectorStatus(pool)),
    kafkaPart(config.KAFKA_TOPIC, config.KAFKA_DLQ_TOPIC, config.PROJECTOR_CONSUMER_GROUP),
  ]);
  return {
    generatedAt: new Date(),
    relay,
    projector,
    topic: config.KAFKA_TOPIC,
    consumerGroup: config.PROJECTOR_CONSUMER_GROUP,
    kafka: kafkaReport,
    deadLetterTopic: config.KAFKA_DLQ_TOPIC,
  };
}

/**
 * The pipeline's backlog, from the database alone: what the relay has not yet put on Kafka and what the read models
 * have not yet applied, in events and in age (seconds since the oldest of them was committed; 0 when none). /ops and
 * GET /api/reports/status show it, and the scheduled sweep writes the same numbers as CloudWatch metrics
 * (backlogMetrics): one computation for both.
 */
export interface PipelineBacklog {
  relayBacklogEvents: number;
  relayBacklogAgeSeconds: number;
  projectionLagEvents: number;
  projectionLagAgeSeconds: number;
  parkedEvents: number;
}

function ageSeconds(since: Date | null, now: Date): number {
  return since ? Math.max(0, now.getTime() - since.getTime()) / 1_000 : 0;
}

export function pipelineBacklog(relay: RelayStatus, projector: ProjectorStatus, now: Date): PipelineBacklog {
  return {
    relayBacklogEvents: relay.pendingEvents,
    relayBacklogAgeSeconds: ageSeconds(relay.oldestPendingAt, now),
    projectionLagEvents: Math.max(0, ...projector.projections.map((projection) => projection.behind)),
    projectionLagAgeSeconds: ageSeconds(projector.oldestUnappliedAt, now),
    parkedEvents: projector.parkedEvents,
  };
}

export function backlogMetrics(backlog: PipelineBacklog): MetricPoint[] {
  return [
    count(METRIC.relayBacklogEvents, backlog.relayBacklogEvents),
    seconds(METRIC.relayBacklogAge, backlog.relayBacklogAgeSeconds),
    count(METRIC.projectionLagEvents, backlog.projectionLagEvents),
    seconds(METRIC.projectionLagAge, backlog.projectionLagAgeSeconds),
    count(METRIC.parkedEvents, backlog.parkedEvents),
  ];
}

/** Measures the backlog and writes it as metrics (the scheduled sweep, once a minute). */
export async function emitBacklogMetrics(pool: Pool = getPool()): Promise<PipelineBacklog> {
  const [relay, projector] = await Promise.all([relayStatus(pool, getConfig().KAFKA_TOPIC), projectorStatus(pool)]);
  const backlog = pipelineBacklog(relay, projector, new Date());
  emitMetrics(backlogMetrics(backlog));
  return backlog;
}
