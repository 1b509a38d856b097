import { buildEvent, encodeRecord, estimateEncodedSize, toSignedBytes } from './encoding';
import { mskEventSchema, selfManagedKafkaEventSchema } from './testing/event-schema';
import { record } from './testing/fixtures';

const msk = {
  kind: 'msk' as const,
  eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/ledgerline-local/abc-1',
  bootstrapServers: ['b-1:9092', 'b-2:9092'],
};

describe('encodeRecord', () => {
  it('given a record with key, value and headers, when encoded, then it has the documented fields in order', () => {
    const encoded = encodeRecord(
      record(3, 42, {
        topic: 'banking-events',
        timestamp: 1_700_000_000_123,
        key: Buffer.from('account-1'),
        value: Buffer.from('{"a":1}'),
        headers: [
          ['event-type', Buffer.from('AccountCreated')],
          ['event-type', Buffer.from('again')],
        ],
      }),
    );

    expect(Object.keys(encoded)).toEqual([
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
      'key',
      'value',
      'headers',
    ]);
    expect(encoded).toEqual({
      topic: 'banking-events',
      partition: 3,
      offset: 42,
      timestamp: 1_700_000_000_123,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('account-1').toString('base64'),
      value: Buffer.from('{"a":1}').toString('base64'),
      headers: [{ 'event-type': [...Buffer.from('AccountCreated')] }, { 'event-type': [...Buffer.from('again')] }],
    });
  });

  it('given a null key, when encoded, then the key is absent (not null)', () => {
    const encoded = encodeRecord(record(0, 1, { key: null }));

    expect('key' in encoded).toBe(false);
  });

  it('given a tombstone, when encoded, then value is null', () => {
    expect(encodeRecord(record(0, 1, { value: null })).value).toBeNull();
  });

  it('given an empty value, when encoded, then value is the empty base64 string (not a tombstone)', () => {
    expect(encodeRecord(record(0, 1, { value: Buffer.alloc(0) })).value).toBe('');
  });

  it('given header bytes above 127, when encoded, then they are signed like Java bytes and Buffer.from restores them', () => {
    const bytes = Buffer.from([0, 1, 127, 128, 200, 255]);

    const [header] = encodeRecord(record(0, 1, { headers: [['bin', bytes]] })).headers;

    expect(header).toEqual({ bin: [0, 1, 127, -128, -56, -1] });
    expect(Buffer.from(header!.bin!)).toEqual(bytes);
  });

  it('given a null header value, when encoded, then it is an empty byte list', () => {
    expect(encodeRecord(record(0, 1, { headers: [['empty', null]] })).headers).toEqual([{ empty: [] }]);
  });

  it('given a log-append-time record, when encoded, then timestampType says so', () => {
    expect(encodeRecord(record(0, 1, { timestampType: 'LOG_APPEND_TIME' })).timestampType).toBe('LOG_APPEND_TIME');
  });
});

describe('toSignedBytes', () => {
  it('given a slice of a larger buffer, when converted, then only the slice is read', () => {
    const pool = Buffer.from('xxhelloxx');

    expect(toSignedBytes(pool.subarray(2, 7))).toEqual([...Buffer.from('hello')]);
  });
});

describe('buildEvent', () => {
  it('given records of two partitions, when built for MSK, then records are keyed "<topic>-<partition>" in offset order', () => {
    const event = buildEvent(msk, [record(1, 10), record(0, 5), record(1, 11), record(0, 6)]);

    expect(mskEventSchema.safeParse(event).success).toBe(true);
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(msk.eventSourceArn);
    expect(event.bootstrapServers).toBe('b-1:9092,b-2:9092');
    expect(Object.keys(event.records)).toEqual(['events-1', 'events-0']);
    expect(event.records['events-1']!.map((r) => r.offset)).toEqual([10, 11]);
    expect(event.records['events-0']!.map((r) => r.offset)).toEqual([5, 6]);
  });

  it('given a self-managed Kafka source, when built, then eventSource is SelfManagedKafka and there is no ARN', () => {
    const event = buildEvent({ kind: 'kafka', eventSourceArn: null, bootstrapServers: ['k:9092'] }, [record(0, 1)]);

    expect(selfManagedKafkaEventSchema.safeParse(event).success).toBe(true);
    expect('eventSourceArn' in event).toBe(false);
  });

  it('given a record, when its size is estimated, then the estimate bounds the real JSON size', () => {
    const big = record(0, 1, {
      value: Buffer.alloc(10_000, 7),
      headers: [['h', Buffer.alloc(100, 250)]],
    });

    const real = JSON.stringify(encodeRecord(big)).length;

    expect(estimateEncodedSize(big)).toBeGreaterThanOrEqual(real);
  });
});
