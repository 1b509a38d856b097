/**
 * The Kafka on-failure destination (`kafka://<topic>` on the source's cluster). AWS: "Lambda acts as a Kafka producer
 * and writes failed records to the destination topic"; "Kafka destinations receive the actual failed records along
 * with failure metadata". The record is reproduced exactly (key, value, headers in order). AWS does not document
 * the form of its failure metadata, so the emulator adds none of its own: the reason, error and attempt count go to
 * the emulator's log line instead, and a consumer of the destination must not depend on metadata locally.
 */
import type { Message, Producer } from 'kafkajs';
import type { SourceRecord } from './types';

/** Builds the destination messages (pure). Headers keep their order; duplicates stay duplicates. */
export function buildDeadLetterMessages(records: readonly SourceRecord[]): Message[] {
  return records.map((record) => {
    const headers: Record<string, Buffer | Buffer[]> = {};
    for (const [name, raw] of record.headers) {
      // kafkajs cannot write a null header value: an empty one stands in for it.
      const value = raw ?? Buffer.alloc(0);
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return { key: record.key, value: record.value, headers };
  });
}

/** Sends to the destination topic and resolves once the broker acknowledged every message (acks=all). */
export async function sendToDeadLetterTopic(
  producer: Producer,
  topic: string,
  records: readonly SourceRecord[],
): Promise<void> {
  await producer.send({ topic, acks: -1, messages: buildDeadLetterMessages(records) });
}
