/** Test-only helpers, imported by specs, never by production code. */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { waitUntil } from '../wait-until';

/** Spec helper: `waitUntil` (lib/platform/wait-until.ts) with this module's defaults (30 s); `what` names the condition. */
export function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  return waitUntil(what, async () => probe(), { timeoutMs, intervalMs });
}

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

/**
 * Test helper: reads a topic from the beginning with a fresh consumer group until `done(messages)` holds, then
 * returns every message seen, in per-partition order of arrival.
 */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  done: (messages: ConsumedMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<ConsumedMessage[]> {
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, allowAutoTopicCreation: false });
  const messages: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, partition, message }) => {
        messages.push(toConsumed(from, partition, message));
      },
    });
    await pollUntil(() => (done(messages) ? true : undefined), {
      timeoutMs,
      what: `messages on ${topic} (have ${messages.length})`,
    });
    return [...messages];
  } finally {
    await consumer.disconnect();
  }
}
