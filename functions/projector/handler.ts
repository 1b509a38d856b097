import { getConfig } from '../../lib/platform/config/env';
import { getPool } from '../../lib/platform/db/pool';
import { getKafka } from '../../lib/platform/kafka/client';
import {
  decodeLambdaKafkaEvent,
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  type LambdaKafkaEvent,
} from '../../lib/platform/kafka/lambda-event';
import { ensureTopicsOnce } from '../../lib/platform/kafka/topics';
import { logger } from '../../lib/platform/observability/logger';
import { withTrace } from '../../lib/platform/observability/trace';
import { batchTrace, emitProjectionMetrics } from '../../lib/projections/observability';
import { kafkaDeadLetterSink, type DeadLetterSink } from '../../lib/projections/dead-letter';
import { projectRecords } from '../../lib/projections/projector';

let deadLetter: (DeadLetterSink & { close: () => Promise<void> }) | undefined;

function deadLetterSink(): DeadLetterSink {
  if (!deadLetter) {
    const config = getConfig();
    const sink = kafkaDeadLetterSink({
      kafka: getKafka(),
      topic: config.KAFKA_DLQ_TOPIC,
      consumer: config.PROJECTOR_CONSUMER_GROUP,
    });
    deadLetter = Object.assign(
      async (letters: Parameters<DeadLetterSink>[0]) => {
        await ensureTopicsOnce();
        await sink(letters);
      },
      { close: sink.close },
    );
  }
  return deadLetter;
}

/** Disconnects the dead-letter producer (tests, local shutdown). */
export async function disposeProjector(): Promise<void> {
  const current = deadLetter;
  deadLetter = undefined;
  await current?.close();
}

/**
 * The projector: triggered by the Kafka event source mapping (`msk` event in serverless.yml; locally the project's
 * trigger emulator, packages/kafka-trigger) with batches of integration events. Requires FunctionResponseTypes
 * ReportBatchItemFailures on the mapping: poison messages go to the dead-letter topic with their reason and are
 * reported as failures only when the dead-letter topic is unreachable. A thrown error (database down) fails the
 * whole batch, which Lambda retries; nothing of it was committed. The batch runs in the trace of the requests that
 * wrote its events (traceparent record headers, lib/projections/observability.ts) and writes its metrics.
 */
export async function handler(event: LambdaKafkaEvent): Promise<KafkaBatchResponse> {
  const records = decodeLambdaKafkaEvent(event);
  if (records.length === 0) return { batchItemFailures: [] };
  const { trace, traceIds } = batchTrace(records);
  return withTrace(trace, () => projectBatch(records, traceIds));
}

async function projectBatch(records: DecodedKafkaRecord[], traceIds: string[]): Promise<KafkaBatchResponse> {
  try {
    const outcome = await projectRecords(records, { pool: getPool(), deadLetter: deadLetterSink() });
    emitProjectionMetrics(records, outcome);
    logger.info('Projector batch', {
      records: records.length,
      applied: outcome.summary.applied + outcome.summary.unparked,
      skipped: outcome.summary.skipped,
      parked: outcome.summary.parked,
      deadLettered: outcome.deadLettered.length,
      traceIds,
    });
    return { batchItemFailures: outcome.batchItemFailures };
  } catch (error) {
    logger.error('Projector batch failed; it will be retried', {
      error,
      records: records.length,
      partitions: [...new Set(records.map((record) => record.itemIdentifier.partition))],
    });
    throw error;
  }
}
