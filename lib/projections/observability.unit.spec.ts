import type { DecodedKafkaRecord } from '../platform/kafka/lambda-event';
import { captureEmf } from '../platform/observability/testing';
import { batchTrace, emitProjectionMetrics } from './observability';
import type { ProjectionOutcome } from './projector';

const TRACE_A = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-00f067aa0ba902b7-01';
const TRACE_B = '00-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-00f067aa0ba902b7-01';

function record(offset: number, timestamp: number, traceparent?: string): DecodedKafkaRecord {
  return {
    topic: 't',
    partition: 0,
    offset,
    timestamp,
    key: null,
    value: null,
    headers: traceparent ? { traceparent: Buffer.from(traceparent) } : {},
    itemIdentifier: { partition: 't-0', offset },
  };
}

describe('projector observability', () => {
  it('given records of one trace when the batch span is chosen then it continues that trace', () => {
    const { trace, traceIds } = batchTrace([record(1, 0, TRACE_A), record(2, 0, TRACE_A)]);
    expect(trace.traceId).toBe('a'.repeat(32));
    expect(traceIds).toEqual(['a'.repeat(32)]);
  });

  it('given records of two traces (or none) when the batch span is chosen then a new trace links them', () => {
    const mixed = batchTrace([record(1, 0, TRACE_A), record(2, 0, TRACE_B), record(3, 0)]);
    expect(mixed.traceIds).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    expect(mixed.trace.traceId).not.toBe('a'.repeat(32));
    expect(mixed.trace.traceId).not.toBe('b'.repeat(32));
    expect(batchTrace([record(1, 0)]).traceIds).toEqual([]);
  });

  it('given a batch outcome when its metrics are written then one document has the projector metrics, service dimension only', async () => {
    const outcome = {
      batchItemFailures: [],
      summary: { applied: 3, unparked: 1, skipped: 2, parked: 1 },
      deadLettered: [{ record: record(9, 0), reason: 'poison' }],
      repaired: [],
    } as unknown as ProjectionOutcome;
    const { emf } = await captureEmf(() =>
      emitProjectionMetrics([record(1, 10_000), record(2, 10_500)], outcome, 10_750),
    );
    expect(emf).toEqual([
      {
        namespace: 'Ledgerline',
        dimensionNames: ['service'],
        dimensions: { service: 'ledgerline' },
        values: {
          ProjectorEventsApplied: 4,
          ProjectorDuplicatesSkipped: 2,
          ProjectorEventsParked: 1,
          ProjectorEventsDeadLettered: 1,
          ProjectorDelay: 750,
        },
        units: {
          ProjectorEventsApplied: 'Count',
          ProjectorDuplicatesSkipped: 'Count',
          ProjectorEventsParked: 'Count',
          ProjectorEventsDeadLettered: 'Count',
          ProjectorDelay: 'Milliseconds',
        },
      },
    ]);
  });
});
