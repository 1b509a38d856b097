import type { DecodedKafkaRecord } from '../platform/kafka/lambda-event';
import { HEADER } from '../platform/kafka/headers';
import { count, emitMetrics, METRIC, milliseconds } from '../platform/observability/metrics';
import { continueOrStartTrace, parseTraceparent, type TraceContext } from '../platform/observability/trace';
import type { ProjectionOutcome } from './projector';

/**
 * The span a batch is projected in. Its records' traceparent headers (put there by the relay from the events'
 * metadata) name the requests that wrote them: when they all share one trace, the batch continues it; otherwise it
 * starts a trace of its own, and `traceIds` (logged with the batch) links the requests' traces.
 */
export function batchTrace(records: readonly DecodedKafkaRecord[]): { trace: TraceContext; traceIds: string[] } {
  const parents = new Map<string, string>();
  for (const record of records) {
    const header = record.headers[HEADER.traceparent]?.toString('utf8');
    const parsed = parseTraceparent(header);
    if (parsed && header && !parents.has(parsed.traceId)) parents.set(parsed.traceId, header);
  }
  const traceIds = [...parents.keys()];
  const only = traceIds.length === 1 ? parents.get(traceIds[0]!) : undefined;
  return { trace: continueOrStartTrace(only), traceIds };
}

/** The projector's metrics for one batch (one EMF document); ProjectorDelay is the oldest record's time on Kafka. */
export function emitProjectionMetrics(
  records: readonly DecodedKafkaRecord[],
  outcome: ProjectionOutcome,
  now: number = Date.now(),
): void {
  const oldest = Math.min(...records.map((record) => record.timestamp));
  emitMetrics([
    count(METRIC.projectorEventsApplied, outcome.summary.applied + outcome.summary.unparked),
    count(METRIC.projectorDuplicatesSkipped, outcome.summary.skipped),
    count(METRIC.projectorEventsParked, outcome.summary.parked),
    count(METRIC.projectorEventsDeadLettered, outcome.deadLettered.length),
    milliseconds(METRIC.projectorDelay, Number.isFinite(oldest) ? Math.max(0, now - oldest) : 0),
  ]);
}
