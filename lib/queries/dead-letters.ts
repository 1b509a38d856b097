import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { retryingRead } from '../platform/db/read-retry';
import { createKafka } from '../platform/kafka/client';
import { DLQ_HEADER, HEADER } from '../platform/kafka/headers';
import { isUuid } from '../platform/uuid';

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

function toView(partition: number, message: KafkaMessage): DeadLetterView {
  return {
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
  };
}

let pageClient: Kafka | undefined;

/** The Kafka client of the dead-letter pages: short timeouts and few retries, so a page answers when Kafka is away. */
export function deadLetterKafka(): Kafka {
  pageClient ??= createKafka({
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retries: 2,
    initialRetryTime: 100,
    maxRetryTime: 500,
  });
  return pageClient;
}

type Ranges = Map<number, { from: bigint; high: bigint }>;

async function topicOffsets(
  kafka: Kafka,
  topic: string,
): Promise<Array<{ partition: number; low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * The messages of `topic` in the given offset ranges [from, high) of each partition. Reads with a throw-away
 * consumer (its own group, nothing committed), stopped before returning: nothing keeps running after the request.
 */
async function readRanges(
  kafka: Kafka,
  topic: string,
  wanted: Ranges,
  timeoutMs: number,
): Promise<{ letters: DeadLetterView[]; complete: boolean }> {
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
          letters.push(toView(partition, message));
        }
        if (offset + 1n >= range.high) {
          done.add(partition);
          if (done.size === wanted.size) finish();
        }
      },
    });
    for (const [partition, range] of wanted) consumer.seek({ topic, partition, offset: String(range.from) });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return { letters, complete: done.size === wanted.size };
}

/** The newest `perPartition` messages of each partition of the dead-letter topic, newest first. */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { perPartition: number; timeoutMs: number },
): Promise<{ letters: DeadLetterView[]; total: number; complete: boolean }> {
  const wanted: Ranges = new Map();
  let total = 0;
  for (const { partition, low, high } of await topicOffsets(kafka, topic)) {
    total += Number(high - low);
    if (high > low) {
      const from = high - BigInt(options.perPartition) > low ? high - BigInt(options.perPartition) : low;
      wanted.set(partition, { from, high });
    }
  }
  if (wanted.size === 0) return { letters: [], total, complete: true };
  const { letters, complete } = await readRanges(kafka, topic, wanted, options.timeoutMs);
  letters.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? '') || a.partition - b.partition);
  return { letters, total, complete };
}

/**
 * The one dead letter at `partition` and `offset`: undefined when the topic has no such message (no such partition,
 * an offset outside what it holds). Throws when Kafka cannot be read, or not within `timeoutMs`.
 */
export async function readDeadLetter(
  kafka: Kafka,
  topic: string,
  at: { partition: number; offset: string },
  options: { timeoutMs: number },
): Promise<DeadLetterView | undefined> {
  const offset = BigInt(at.offset);
  const range = (await topicOffsets(kafka, topic)).find((p) => p.partition === at.partition);
  if (!range || offset < range.low || offset >= range.high) return undefined;
  const { letters, complete } = await readRanges(
    kafka,
    topic,
    new Map([[at.partition, { from: offset, high: offset + 1n }]]),
    options.timeoutMs,
  );
  if (!complete) throw new Error(`Dead letter p${at.partition} @ ${at.offset} not read within ${options.timeoutMs} ms`);
  return letters[0];
}

/** A dead letter's re-publish request (event_store.republish_requests), if one was made. */
export interface RepublishRequestView {
  requestedAt: Date;
  requestedBy: string;
  published: { at: Date; partition: number; offset: string } | null;
  error: string | null;
}

/** What the event store and the read models say of a dead letter's event. */
export interface StoredEventFate {
  accountId: string;
  streamVersion: number;
  /** the read model's last applied version of the account (null: nothing applied yet) */
  readModelVersion: number | null;
  /** the projector has applied this version of the account */
  applied: boolean;
  /** where the projector first consumed the event (read_model.event_deliveries) */
  delivery: { topic: string; partition: number; offset: string } | null;
}

export interface RepublishState {
  request: RepublishRequestView | null;
  /** null when the store has no event with the dead letter's event id (or it has none): it cannot be re-published */
  stored: StoredEventFate | null;
}

export function deadLetterKey(letter: { partition: number; offset: string }): string {
  return `${letter.partition}:${letter.offset}`;
}

type RequestRow = {
  dead_letter_partition: number;
  dead_letter_offset: string;
  requested_at: Date;
  requested_by: string;
  published_at: Date | null;
  published_partition: number | null;
  published_offset: string | null;
  error: string | null;
};

type FateRow = {
  event_id: string;
  stream_id: string;
  stream_version: number;
  last_applied_version: number | null;
  topic: string | null;
  kafka_partition: number | null;
  kafka_offset: string | null;
};

/** Per dead letter (key: deadLetterKey): its re-publish request and its event's fate, in two indexed queries. */
async function readRepublishStatesOnce(
  db: Pool | PoolClient,
  deadLetterTopic: string,
  letters: ReadonlyArray<Pick<DeadLetterView, 'partition' | 'offset' | 'eventId'>>,
): Promise<Map<string, RepublishState>> {
  const eventIds = [...new Set(letters.map((l) => l.eventId).filter((id): id is string => !!id && isUuid(id)))];
  const [requests, fates] = await Promise.all([
    db.query<RequestRow>(
      `SELECT r.dead_letter_partition, r.dead_letter_offset::text AS dead_letter_offset, r.requested_at,
              r.requested_by, r.published_at, r.published_partition, r.published_offset::text AS published_offset,
              r.error
         FROM unnest($2::int[], $3::bigint[]) AS l(p, o)
         JOIN event_store.republish_requests AS r
           ON r.dead_letter_topic = $1 AND r.dead_letter_partition = l.p AND r.dead_letter_offset = l.o`,
      [deadLetterTopic, letters.map((l) => l.partition), letters.map((l) => l.offset)],
    ),
    db.query<FateRow>(
      `SELECT e.event_id::text AS event_id, e.stream_id, e.stream_version, p.last_applied_version,
              d.topic, d.kafka_partition, d.kafka_offset::text AS kafka_offset
         FROM event_store.events AS e
         LEFT JOIN read_model.account_progress AS p ON p.account_id::text = e.stream_id
         LEFT JOIN read_model.event_deliveries AS d ON d.event_id = e.event_id
        WHERE e.event_id = ANY($1::uuid[]) AND e.stream_type = 'account'`,
      [eventIds],
    ),
  ]);
  const requestOf = new Map(
    requests.rows.map((row) => [`${row.dead_letter_partition}:${row.dead_letter_offset}`, row]),
  );
  const fateOf = new Map(fates.rows.map((row) => [row.event_id.toLowerCase(), row]));
  const states = new Map<string, RepublishState>();
  for (const letter of letters) {
    const request = requestOf.get(deadLetterKey(letter));
    const fate = letter.eventId ? fateOf.get(letter.eventId.toLowerCase()) : undefined;
    states.set(deadLetterKey(letter), {
      request: request
        ? {
            requestedAt: request.requested_at,
            requestedBy: request.requested_by,
            published:
              request.published_at && request.published_partition !== null && request.published_offset !== null
                ? { at: request.published_at, partition: request.published_partition, offset: request.published_offset }
                : null,
            error: request.error,
          }
        : null,
      stored: fate
        ? {
            accountId: fate.stream_id,
            streamVersion: fate.stream_version,
            readModelVersion: fate.last_applied_version,
            applied: (fate.last_applied_version ?? 0) >= fate.stream_version,
            delivery:
              fate.topic !== null && fate.kafka_partition !== null && fate.kafka_offset !== null
                ? { topic: fate.topic, partition: fate.kafka_partition, offset: fate.kafka_offset }
                : null,
          }
        : null,
    });
  }
  return states;
}

export const readRepublishStates = retryingRead(readRepublishStatesOnce);
