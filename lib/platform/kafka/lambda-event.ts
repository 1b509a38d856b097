/**
 * The event AWS Lambda's Kafka event source mapping delivers (MSK: eventSource "aws:kafka"; self-managed Kafka:
 * "SelfManagedKafka", older "aws:SelfManagedKafka" with partition as a string). Declared here rather than taken from
 * @types/aws-lambda, which wrongly makes key and value non-null.
 */
export interface LambdaKafkaRecord {
  topic: string;
  partition: number | string;
  offset: number | string;
  timestamp: number;
  /** 'CREATE_TIME' or 'LOG_APPEND_TIME' */
  timestampType?: string;
  /** base64; absent for a null key */
  key?: string | null;
  /** base64; null for a tombstone */
  value: string | null;
  headers?: Array<Record<string, number[]>>;
}

export interface LambdaKafkaEvent {
  /** 'aws:kafka' (MSK), 'SelfManagedKafka' or 'aws:SelfManagedKafka' */
  eventSource: string;
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

export interface BatchItemFailure {
  itemIdentifier: { partition: string; offset: number };
}

/** Response for ReportBatchItemFailures (an empty list = the whole batch succeeded). */
export interface KafkaBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

export interface DecodedKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** header name → value bytes (first occurrence wins; names as sent) */
  headers: Record<string, Buffer>;
  /** what to report in batchItemFailures for this record */
  itemIdentifier: BatchItemFailure['itemIdentifier'];
}

export class MalformedKafkaEventError extends Error {
  override name = 'MalformedKafkaEventError';
}

function toInteger(value: number | string, what: string): number {
  const number = typeof value === 'string' ? Number(value) : value;
  if (!Number.isSafeInteger(number) || number < 0) throw new MalformedKafkaEventError(`bad ${what}: ${String(value)}`);
  return number;
}

/**
 * Flattens a Lambda Kafka event into records, partition by partition, each partition's records in offset order as
 * delivered. The envelope itself being malformed is an infrastructure error (throw), not a poison message.
 */
export function decodeLambdaKafkaEvent(event: LambdaKafkaEvent): DecodedKafkaRecord[] {
  if (typeof event !== 'object' || event === null || typeof event.records !== 'object' || event.records === null) {
    throw new MalformedKafkaEventError('not a Lambda Kafka event: no records');
  }
  const decoded: DecodedKafkaRecord[] = [];
  for (const records of Object.values(event.records)) {
    for (const record of records) {
      const partition = toInteger(record.partition, 'partition');
      const offset = toInteger(record.offset, 'offset');
      const headers: Record<string, Buffer> = {};
      for (const entry of record.headers ?? []) {
        for (const [name, bytes] of Object.entries(entry)) {
          if (!(name in headers)) headers[name] = Buffer.from(bytes);
        }
      }
      decoded.push({
        topic: record.topic,
        partition,
        offset,
        timestamp: record.timestamp,
        key: record.key === undefined || record.key === null ? null : Buffer.from(record.key, 'base64'),
        value: record.value === null || record.value === undefined ? null : Buffer.from(record.value, 'base64'),
        headers,
        itemIdentifier: { partition: `${record.topic}-${partition}`, offset },
      });
    }
  }
  return decoded;
}

export interface RecordToEncode {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
}

/** Builds the event Lambda would deliver for these records (tests; the shape the local trigger emulates). */
export function encodeLambdaKafkaEvent(
  records: RecordToEncode[],
  options: { eventSource?: LambdaKafkaEvent['eventSource']; eventSourceArn?: string; bootstrapServers?: string } = {},
): LambdaKafkaEvent {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const record of records) {
    const id = `${record.topic}-${record.partition}`;
    const toBase64 = (data: Buffer | string) => (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('base64');
    (grouped[id] ??= []).push({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp ?? Date.now(),
      timestampType: 'CREATE_TIME',
      ...(record.key !== undefined && record.key !== null && { key: toBase64(record.key) }),
      value: record.value === null ? null : toBase64(record.value),
      headers: Object.entries(record.headers ?? {}).map(([name, value]) => ({
        [name]: [...(Buffer.isBuffer(value) ? value : Buffer.from(value))],
      })),
    });
  }
  return {
    eventSource: options.eventSource ?? 'aws:kafka',
    ...(options.eventSource === 'SelfManagedKafka'
      ? {}
      : { eventSourceArn: options.eventSourceArn ?? 'arn:aws:kafka:eu-west-1:000000000000:cluster/local/0' }),
    bootstrapServers: options.bootstrapServers ?? '127.0.0.1:9092',
    records: grouped,
  };
}
