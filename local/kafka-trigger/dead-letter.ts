/**
 * The on-failure destination, locally a Kafka topic (AWS: `kafka://<topic>` on the same cluster): the actual failed
 * record (key, value, headers) plus failure metadata headers. AWS documents "actual record content along with failure
 * metadata" without fixing header names; the names below are this emulator's and are exported for consumers.
 */
import type { Message, Producer } from 'kafkajs';
import type { FailureInfo } from './batch-processor';
import type { SourceRecord } from './types';

export const DEAD_LETTER_HEADERS = {
  reason: 'x-esm-failure-reason',
  errorType: 'x-esm-error-type',
  errorMessage: 'x-esm-error-message',
  attempts: 'x-esm-attempts',
  sourceTopic: 'x-esm-source-topic',
  sourcePartition: 'x-esm-source-partition',
  sourceOffset: 'x-esm-source-offset',
  sourceTimestamp: 'x-esm-source-timestamp',
  functionName: 'x-esm-function-name',
  consumerGroupId: 'x-esm-consumer-group-id',
  eventSourceArn: 'x-esm-event-source-arn',
  failedAt: 'x-esm-failed-at',
} as const;

export interface DeadLetterContext {
  readonly functionName: string;
  readonly consumerGroupId: string;
  readonly eventSourceArn: string | null;
}

const MAX_ERROR_MESSAGE_LENGTH = 4000;

/** Builds the dead-letter messages (pure). Original headers come first, in order; duplicates stay duplicates. */
export function buildDeadLetterMessages(
  records: readonly SourceRecord[],
  failure: FailureInfo,
  context: DeadLetterContext,
  failedAt: Date,
): Message[] {
  return records.map((record) => {
    const headers: Record<string, Buffer | Buffer[]> = {};
    const add = (name: string, value: Buffer): void => {
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    };
    // kafkajs cannot write a null header value: an empty one stands in for it.
    for (const [name, value] of record.headers) add(name, value ?? Buffer.alloc(0));
    const meta: Array<[string, string]> = [
      [DEAD_LETTER_HEADERS.reason, failure.reason],
      [DEAD_LETTER_HEADERS.errorType, failure.errorType],
      [DEAD_LETTER_HEADERS.errorMessage, failure.errorMessage.slice(0, MAX_ERROR_MESSAGE_LENGTH)],
      [DEAD_LETTER_HEADERS.attempts, String(failure.attempts)],
      [DEAD_LETTER_HEADERS.sourceTopic, record.topic],
      [DEAD_LETTER_HEADERS.sourcePartition, String(record.partition)],
      [DEAD_LETTER_HEADERS.sourceOffset, String(record.offset)],
      [DEAD_LETTER_HEADERS.sourceTimestamp, String(record.timestamp)],
      [DEAD_LETTER_HEADERS.functionName, context.functionName],
      [DEAD_LETTER_HEADERS.consumerGroupId, context.consumerGroupId],
      [DEAD_LETTER_HEADERS.failedAt, failedAt.toISOString()],
    ];
    if (context.eventSourceArn) meta.push([DEAD_LETTER_HEADERS.eventSourceArn, context.eventSourceArn]);
    for (const [name, value] of meta) add(name, Buffer.from(value, 'utf8'));
    return { key: record.key, value: record.value, headers };
  });
}

/** Sends to the dead-letter topic and resolves once the broker acknowledged every message (acks=all). */
export async function sendToDeadLetterTopic(
  producer: Producer,
  topic: string,
  records: readonly SourceRecord[],
  failure: FailureInfo,
  context: DeadLetterContext,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: buildDeadLetterMessages(records, failure, context, new Date()),
  });
}
