import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { DLQ_HEADER } from '../platform/kafka/headers';
import type { DecodedKafkaRecord } from '../platform/kafka/lambda-event';
import { ACKS_ALL, createIdempotentProducer } from '../platform/kafka/producer';

export interface DeadLetter {
  record: DecodedKafkaRecord;
  reason: string;
}

export type DeadLetterSink = (letters: readonly DeadLetter[]) => Promise<void>;

/**
 * Sends poison records to the dead-letter topic: same key, value and headers as the original (so it can be
 * inspected and replayed as it was), plus dlq-* headers with the reason and the original coordinates. Resolves only
 * once Kafka acknowledged (acks=all).
 */
export function kafkaDeadLetterSink(options: { kafka: Kafka; topic: string; consumer: string }): DeadLetterSink & {
  close: () => Promise<void>;
} {
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;

  const connected = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const created = createIdempotentProducer(options.kafka);
      try {
        await created.connect();
      } catch (error) {
        connecting = undefined;
        throw error;
      }
      producer = created;
      return created;
    })();
    return connecting;
  };

  const sink = async (letters: readonly DeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    const live = await connected();
    try {
      await live.send({
        topic: options.topic,
        acks: ACKS_ALL,
        messages: letters.map(({ record, reason }) => {
          const headers: IHeaders = { ...record.headers };
          headers[DLQ_HEADER.reason] = reason.slice(0, 2_000);
          headers[DLQ_HEADER.originalTopic] = record.topic;
          headers[DLQ_HEADER.originalPartition] = String(record.partition);
          headers[DLQ_HEADER.originalOffset] = String(record.offset);
          headers[DLQ_HEADER.originalTimestamp] = String(record.timestamp);
          headers[DLQ_HEADER.failedAt] = new Date().toISOString();
          headers[DLQ_HEADER.consumer] = options.consumer;
          return { key: record.key, value: record.value, headers };
        }),
      });
    } catch (error) {
      // A failed idempotent producer may be out of sequence: start afresh next time.
      producer = undefined;
      connecting = undefined;
      await live.disconnect().catch(() => undefined);
      throw error;
    }
  };

  return Object.assign(sink, {
    close: async () => {
      const live = producer;
      producer = undefined;
      connecting = undefined;
      await live?.disconnect();
    },
  });
}
