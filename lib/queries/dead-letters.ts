import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { DLQ_HEADER, HEADER } from '../platform/kafka/headers';

/** One message of the dead-letter topic, as the explorer lists it. */
export interface DeadLetterView {
  partition: number;
  offset: string;
  reason: string;
  eventType: string | null;
  eventId: string | null;
  original: { topic: string | null; partition: string | null; offset: string | null };
  failedAt: string | null;
  consumer: string | null;
  payload: string;
}

function header(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * The newest `perPartition` messages of each partition of the dead-letter topic. Reads with a throw-away consumer
 * (its own group, nothing committed), stopped before returning: nothing keeps running after the request.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { perPartition: number; timeoutMs: number },
): Promise<{ letters: DeadLetterView[]; total: number; complete: boolean }> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: Array<{ partition: number; low: string; high: string }>;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const wanted = new Map<number, { from: bigint; high: bigint }>();
  let total = 0;
  for (const p of offsets) {
    const low = BigInt(p.low);
    const high = BigInt(p.high);
    total += Number(high - low);
    if (high > low) {
      const from = high - BigInt(options.perPartition) > low ? high - BigInt(options.perPartition) : low;
      wanted.set(p.partition, { from, high });
    }
  }
  if (wanted.size === 0) return { letters: [], total, complete: true };

  const letters: DeadLetterView[] = [];
  const done = new Set<number>();
  const consumer = kafka.consumer({ groupId: `ledgerline-explorer-${randomUUID()}`, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = wanted.get(partition);
        if (!range || done.has(partition)) return;
        const offset = BigInt(message.offset);
        if (offset >= range.from && offset < range.high) {
          letters.push({
            partition,
            offset: message.offset,
            reason: header(message.headers, DLQ_HEADER.reason) ?? '(no reason recorded)',
            eventType: header(message.headers, HEADER.eventType),
            eventId: header(message.headers, HEADER.eventId),
            original: {
              topic: header(message.headers, DLQ_HEADER.originalTopic),
              partition: header(message.headers, DLQ_HEADER.originalPartition),
              offset: header(message.headers, DLQ_HEADER.originalOffset),
            },
            failedAt: header(message.headers, DLQ_HEADER.failedAt),
            consumer: header(message.headers, DLQ_HEADER.consumer),
            payload: message.value?.toString('utf8') ?? '',
          });
        }
        if (offset + 1n >= range.high) {
          done.add(partition);
          if (done.size === wanted.size) finish();
        }
      },
    });
    for (const [partition, range] of wanted) consumer.seek({ topic, partition, offset: String(range.from) });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  letters.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? '') || a.partition - b.partition);
  return { letters, total, complete: done.size === wanted.size };
}
