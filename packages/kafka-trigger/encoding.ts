/**
 * Pure encoding of fetched Kafka records into the event AWS Lambda's Kafka event source mapping delivers.
 *
 * Shape (MSK): { eventSource: "aws:kafka", eventSourceArn, bootstrapServers: "b1:9092,b2:9092",
 *   records: { "<topic>-<partition>": [ { topic, partition, offset, timestamp, timestampType,
 *   key (base64, absent when null), value (base64, null for a tombstone), headers: [ { name: [bytes] } ] } ] } }
 * Self-managed Kafka: the same with eventSource "SelfManagedKafka" and no eventSourceArn.
 */
import type { EventSourceKind, SourceRecord, TimestampType } from './types';
import { partitionKey } from './types';

export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TimestampType;
  key?: string;
  value: string | null;
  headers: Array<Record<string, number[]>>;
}

export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

export interface EventSource {
  readonly kind: EventSourceKind;
  readonly eventSourceArn: string | null;
  readonly bootstrapServers: readonly string[];
}

/**
 * Header values as Lambda serialises them: the Java `byte[]` of the record, i.e. SIGNED bytes (-128..127).
 * (AWS's Go/.NET/Rust event types were changed to int8 for exactly this reason.) `Buffer.from(bytes)` in a handler
 * turns them back into the original bytes, since Buffer masks each number with 0xff.
 */
export function toSignedBytes(buffer: Buffer | null): number[] {
  if (!buffer) return [];
  return Array.from(new Int8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
}

export function encodeRecord(record: SourceRecord): LambdaKafkaRecord {
  // Property order follows AWS's documented sample event; `key` is absent (not null) when the record has none.
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    ...(record.key !== null ? { key: record.key.toString('base64') } : {}),
    value: record.value === null ? null : record.value.toString('base64'),
    headers: record.headers.map(([name, value]) => ({ [name]: toSignedBytes(value) })),
  };
}

/**
 * Builds one invocation payload. Records keep the order given (the caller passes each partition's records in offset
 * order); the `records` map is keyed `<topic>-<partition>` in order of first appearance.
 */
export function buildEvent(source: EventSource, records: readonly SourceRecord[]): LambdaKafkaEvent {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const record of records) {
    const key = partitionKey(record.topic, record.partition);
    (grouped[key] ??= []).push(encodeRecord(record));
  }
  const bootstrapServers = source.bootstrapServers.join(',');
  if (source.kind === 'msk') {
    return {
      eventSource: 'aws:kafka',
      eventSourceArn: source.eventSourceArn ?? '',
      bootstrapServers,
      records: grouped,
    };
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
}

/**
 * Upper bound of a record's share of the JSON payload, used to keep an invocation under Lambda's 6 MB synchronous
 * payload limit (base64 grows by 4/3; each header byte is at most 4 characters plus a comma; fixed overhead for the
 * field names and numbers).
 */
export function estimateEncodedSize(record: SourceRecord): number {
  const base64 = (buffer: Buffer | null): number => (buffer ? Math.ceil(buffer.length / 3) * 4 : 4);
  let headerBytes = 0;
  for (const [name, value] of record.headers) headerBytes += name.length * 6 + 8 + (value ? value.length * 5 : 0);
  return 200 + record.topic.length * 2 + base64(record.key) + base64(record.value) + headerBytes;
}

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
