import { decodeLambdaKafkaEvent, encodeLambdaKafkaEvent, MalformedKafkaEventError } from './lambda-event';

describe('Lambda Kafka event codec', () => {
  it('given records of several partitions, when encoded and decoded, then keys, values, headers and coordinates survive', () => {
    const event = encodeLambdaKafkaEvent([
      {
        topic: 't',
        partition: 0,
        offset: 5,
        key: 'k1',
        value: '{"a":1}',
        headers: { 'event-type': 'X' },
        timestamp: 7,
      },
      { topic: 't', partition: 3, offset: 9, key: null, value: null },
      { topic: 't', partition: 0, offset: 6, value: Buffer.from([0xff, 0x00]) },
    ]);
    expect(Object.keys(event.records)).toEqual(['t-0', 't-3']);
    expect(event.records['t-0']?.[0]?.headers).toEqual([{ 'event-type': [88] }]);

    const records = decodeLambdaKafkaEvent(event);
    expect(records.map((r) => r.itemIdentifier)).toEqual([
      { partition: 't-0', offset: 5 },
      { partition: 't-0', offset: 6 },
      { partition: 't-3', offset: 9 },
    ]);
    expect(records[0]?.key?.toString()).toBe('k1');
    expect(records[0]?.value?.toString()).toBe('{"a":1}');
    expect(records[0]?.headers['event-type']?.toString()).toBe('X');
    expect(records[0]?.timestamp).toBe(7);
    expect(records[1]?.value).toEqual(Buffer.from([0xff, 0x00]));
    expect(records[2]).toMatchObject({ key: null, value: null });
  });

  it('given the older self-managed shape (partition and offset as strings), when decoded, then they are numbers', () => {
    const [record] = decodeLambdaKafkaEvent({
      eventSource: 'aws:SelfManagedKafka',
      records: { 'x-2': [{ topic: 'x', partition: '2', offset: '10', timestamp: 1, value: null }] },
    });
    expect(record).toMatchObject({ partition: 2, offset: 10, itemIdentifier: { partition: 'x-2', offset: 10 } });
  });

  it('given something that is not a Kafka event, when decoded, then it throws', () => {
    expect(() => decodeLambdaKafkaEvent({} as never)).toThrow(MalformedKafkaEventError);
  });

  it('given header bytes serialised as signed Java bytes, when decoded, then the original bytes come back', () => {
    const [record] = decodeLambdaKafkaEvent({
      eventSource: 'aws:kafka',
      records: {
        't-0': [{ topic: 't', partition: 0, offset: 0, timestamp: 1, value: null, headers: [{ h: [-61, -87] }] }],
      },
    });
    expect(record?.headers.h?.toString('utf8')).toBe('é');
  });
});
