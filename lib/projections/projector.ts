import type { Pool } from 'pg';
import { decodeIntegrationEvent } from '../outbox/contracts/integration-events';
import { withTransaction, type Tx } from '../platform/db/pool';
import { recordDeliveries } from './deliveries';
import type { BatchItemFailure, DecodedKafkaRecord, KafkaBatchResponse } from '../platform/kafka/lambda-event';
import { logger } from '../platform/observability/logger';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { reprojectAccount, type RepairResult } from './repair';
import { applyEvents, type ApplySummary, type IncomingEvent, type ParkedEvent } from './store';

export interface ProjectorDeps {
  pool: Pool;
  deadLetter: DeadLetterSink;
  /** read-model schema (tests and the rebuild use others) */
  schema?: string;
}

export interface ProjectionOutcome extends KafkaBatchResponse {
  summary: ApplySummary;
  deadLettered: DeadLetter[];
  /** accounts whose read model disagreed with the event store, re-projected from it in this batch's transaction */
  repaired: RepairResult[];
}

/** Prefix of the dead-letter reason of an event that is not the event store's. */
export const NOT_IN_STORE = 'not written by the event store';

/**
 * One Lambda Kafka batch → read models.
 *
 * - Every record is decoded and validated against the integration event contract. A record that fails (not JSON,
 *   unknown type or schema version, a field out of its limits, inconsistent amounts) is a poison message: retrying
 *   cannot fix it, so it goes to the dead-letter topic with the reason (after the valid events are committed) and
 *   the batch carries on. Only if the dead-letter topic cannot be reached is it reported in batchItemFailures, so that Lambda (or the local
 *   trigger) retries it and, when retries run out, hands it to the mapping's on-failure destination.
 * - Every valid event is checked against the event store (one query per batch, see ./verify.ts): an event the store
 *   did not write, or not as it arrived, is never applied nor parked; it takes the poison path with the reason, and
 *   the genuine event of that version is applied whenever it comes. An account whose read model disagrees with the
 *   store is re-projected from the store first (same transaction).
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
  const recordOf = new Map<IncomingEvent, DecodedKafkaRecord>();
  const poison: DeadLetter[] = [];
  for (const record of records) {
    const decoded = decodeIntegrationEvent(record.value);
    if (decoded.ok) {
      const item: IncomingEvent = {
        event: decoded.event,
        wire: JSON.parse(record.value!.toString('utf8')) as unknown,
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
      };
      incoming.push(item);
      recordOf.set(item, record);
    } else {
      poison.push({ record, reason: decoded.reason });
    }
  }

  const options = deps.schema === undefined ? {} : { schema: deps.schema };
  const { summary, repaired } = await withTransaction(deps.pool, async (tx) => {
    if (deps.schema === undefined) await recordDeliveries(tx, incoming);
    return applyVerified(tx, incoming, options);
  });
  const refused: DeadLetter[] = [
    ...summary.rejected.map(({ item, reason }) => ({
      record: recordOf.get(item)!,
      reason: `${NOT_IN_STORE}: ${reason}`,
    })),
    ...summary.rejectedParked.map(({ parked, reason }) => ({
      record: parkedAsRecord(parked),
      reason: `${NOT_IN_STORE} (parked): ${reason}`,
    })),
  ];
  for (const { record, reason } of refused) {
    logger.error('Integration event refused: the event store did not write it as it is', {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      reason,
    });
  }
  const letters = [...poison, ...refused];
  const batchItemFailures: BatchItemFailure[] = [];
  if (letters.length > 0) {
    try {
      await deps.deadLetter(letters);
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
      const inBatch = new Set(records);
      // A refused parked event is no record of this batch: its row is gone, the log above keeps its reason.
      batchItemFailures.push(
        ...letters
          .filter(({ record }) => inBatch.has(record))
          .map(({ record }) => ({ itemIdentifier: record.itemIdentifier })),
      );
    }
  }

  logger.debug('Projected batch', {
    records: records.length,
    applied: summary.applied,
    skipped: summary.skipped,
    parked: summary.parked,
    unparked: summary.unparked,
    refused: refused.length,
    repaired: repaired.length,
    deadLettered: batchItemFailures.length === 0 ? letters.length : 0,
  });
  return { batchItemFailures, summary, deadLettered: batchItemFailures.length === 0 ? letters : [], repaired };
}

/** applyEvents with the store check; divergent accounts are re-projected from the store, then their events applied. */
async function applyVerified(
  tx: Tx,
  incoming: IncomingEvent[],
  options: { schema?: string },
): Promise<{ summary: ApplySummary; repaired: RepairResult[] }> {
  const summary = await applyEvents(tx, incoming, { ...options, verify: true });
  if (summary.divergent.length === 0) return { summary, repaired: [] };
  const repaired: RepairResult[] = [];
  for (const { accountId, reason } of summary.divergent) {
    logger.error('Read model disagrees with the event store: re-projecting the account from the store', {
      accountId,
      reason,
    });
    repaired.push(await reprojectAccount(tx, accountId, options));
  }
  const ids = new Set(summary.divergent.map((divergent) => divergent.accountId));
  const again = await applyEvents(
    tx,
    incoming.filter((item) => ids.has(item.event.accountId)),
    { ...options, verify: true },
  );
  if (again.divergent.length > 0) {
    throw new Error(
      `Accounts still divergent right after their repair: ${again.divergent.map((d) => d.accountId).join(', ')}`,
    );
  }
  for (const [accountId, version] of again.progress) summary.progress.set(accountId, version);
  return {
    summary: {
      ...summary,
      applied: summary.applied + again.applied,
      skipped: summary.skipped + again.skipped,
      parked: summary.parked + again.parked,
      unparked: summary.unparked + again.unparked,
      conflicts: summary.conflicts + again.conflicts,
      rejected: [...summary.rejected, ...again.rejected],
      rejectedParked: [...summary.rejectedParked, ...again.rejectedParked],
    },
    repaired,
  };
}

/** A refused parked event, dead-lettered as the record it arrived as (key = account id, value = its JSON). */
function parkedAsRecord(parked: ParkedEvent): DecodedKafkaRecord {
  const topic = parked.source?.topic ?? 'unknown';
  const partition = parked.source?.partition ?? -1;
  const offset = parked.source?.offset ?? -1;
  return {
    topic,
    partition,
    offset,
    timestamp: parked.parkedAt.getTime(),
    key: Buffer.from(parked.accountId, 'utf8'),
    value: Buffer.from(JSON.stringify(parked.payload), 'utf8'),
    headers: {},
    itemIdentifier: { partition: `${topic}-${partition}`, offset },
  };
}
