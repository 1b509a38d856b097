import type { Pool } from 'pg';
import { decodeIntegrationEvent } from '../outbox/contracts/integration-events';
import { withTransaction } from '../platform/db/pool';
import type { BatchItemFailure, DecodedKafkaRecord, KafkaBatchResponse } from '../platform/kafka/lambda-event';
import { logger } from '../platform/observability/logger';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { applyEvents, type ApplySummary, type IncomingEvent } from './store';

export interface ProjectorDeps {
  pool: Pool;
  deadLetter: DeadLetterSink;
  /** read-model schema (tests and the rebuild use others) */
  schema?: string;
}

export interface ProjectionOutcome extends KafkaBatchResponse {
  summary: ApplySummary;
  deadLettered: DeadLetter[];
}

/**
 * One Lambda Kafka batch → read models.
 *
 * - Every record is decoded and validated against the integration event contract. A record that fails (not JSON,
 *   unknown type or schema version, a field out of its limits, inconsistent amounts) is a poison message: retrying
 *   cannot fix it, so it goes to the dead-letter topic with the reason (after the valid events are committed) and
 *   the batch carries on. Only if the dead-letter topic cannot be reached is it reported in batchItemFailures, so that Lambda (or the local
 *   trigger) retries it and, when retries run out, hands it to the mapping's on-failure destination.
 * - All valid events are applied in ONE transaction with the per-account progress (see applyEvents): duplicates
 *   skipped, gaps parked, never out of order.
 * - Infrastructure failures (database down, ...) throw: nothing was committed, the whole batch is retried, and the
 *   retry is harmless because of the progress check.
 */
export async function projectRecords(
  records: readonly DecodedKafkaRecord[],
  deps: ProjectorDeps,
): Promise<ProjectionOutcome> {
  const incoming: IncomingEvent[] = [];
  const poison: DeadLetter[] = [];
  for (const record of records) {
    const decoded = decodeIntegrationEvent(record.value);
    if (decoded.ok) {
      incoming.push({
        event: decoded.event,
        wire: JSON.parse(record.value!.toString('utf8')) as unknown,
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
      });
    } else {
      poison.push({ record, reason: decoded.reason });
    }
  }

  const summary = await withTransaction(deps.pool, (tx) =>
    applyEvents(tx, incoming, deps.schema === undefined ? {} : { schema: deps.schema }),
  );
  const batchItemFailures: BatchItemFailure[] = [];
  if (poison.length > 0) {
    try {
      await deps.deadLetter(poison);
      for (const { record, reason } of poison) {
        logger.warn('Poison message sent to the dead-letter topic', {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          reason,
        });
      }
    } catch (error) {
      logger.error('Dead-letter topic unreachable: reporting the poison messages as batch item failures', { error });
      batchItemFailures.push(...poison.map(({ record }) => ({ itemIdentifier: record.itemIdentifier })));
    }
  }

  logger.debug('Projected batch', {
    records: records.length,
    applied: summary.applied,
    skipped: summary.skipped,
    parked: summary.parked,
    unparked: summary.unparked,
    deadLettered: batchItemFailures.length === 0 ? poison.length : 0,
  });
  return { batchItemFailures, summary, deadLettered: batchItemFailures.length === 0 ? poison : [] };
}
