/**
 * The emulator core against the real broker (KAFKA_BROKERS), driven by in-process handlers: event shape with real
 * partitions/offsets/headers, batching, per-partition order, commit-after-success across a kill, retries and the
 * dead-letter topic, ReportBatchItemFailures. Every test uses its own topics and consumer groups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from './encoding';
import { FunctionError, type Invoke } from './invoker';
import { mskEventSchema } from './testing/event-schema';
import { mapping } from './testing/fixtures';
import { eventually } from './testing/poll';
import { startKafkaTrigger, type KafkaTrigger } from './trigger';
import type { MappingConfig, TriggerLogger } from './types';

jest.setTimeout(90_000);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((broker) => broker.trim());
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const kafka = new Kafka({ clientId: `kafka-trigger-int-${runId}`, brokers, logLevel: logLevel.NOTHING });
const createdTopics: string[] = [];
const running: KafkaTrigger[] = [];
const children: ChildProcess[] = [];
let admin: Admin;
let producer: Producer;

const debugLogger: TriggerLogger | undefined = process.env.KT_DEBUG
  ? {
      debug: () => undefined,
      info: (message, extra) => process.stderr.write(`INFO ${message} ${JSON.stringify(extra ?? {})}\n`),
      warn: (message, extra) => process.stderr.write(`WARN ${message} ${JSON.stringify(extra ?? {})}\n`),
      error: (message, extra) => process.stderr.write(`ERROR ${message} ${JSON.stringify(extra ?? {})}\n`),
    }
  : undefined;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(running.splice(0).map((trigger) => trigger.stop()));
});

afterAll(async () => {
  await producer?.disconnect();
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin?.disconnect();
});

let topicCounter = 0;

/** A fresh source topic and dead-letter topic for one test (the broker never auto-creates topics). */
async function freshTopics(
  name: string,
  partitions: number,
  configEntries: Array<{ name: string; value: string }> = [],
): Promise<{ topic: string; dlq: string; group: string }> {
  topicCounter += 1;
  const topic = `kt-${runId}-${topicCounter}-${name}`;
  const dlq = `${topic}-dlq`;
  await admin.createTopics({
    topics: [
      { topic, numPartitions: partitions, configEntries },
      { topic: dlq, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  createdTopics.push(topic, dlq);
  return { topic, dlq, group: `kt-${runId}-${topicCounter}-group` };
}

async function start(
  overrides: Partial<MappingConfig>,
  invoke: Invoke,
  shutdownGraceMs = 5_000,
): Promise<KafkaTrigger> {
  const trigger = await startKafkaTrigger({
    mapping: mapping(overrides),
    brokers,
    invoke,
    logger: debugLogger,
    clientId: `kafka-trigger-int-${runId}`,
    backoff: { baseMs: 10, maxMs: 50 },
    shutdownGraceMs,
    consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
  });
  running.push(trigger);
  return trigger;
}

async function produce(
  topic: string,
  messages: Array<{
    partition: number;
    key?: string | null;
    value?: string | null;
    headers?: IHeaders;
    timestamp?: string;
  }>,
): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: messages.map((message) => ({
      partition: message.partition,
      key: message.key === undefined ? `key-${message.partition}` : message.key,
      value: message.value === undefined ? 'v' : message.value,
      headers: message.headers,
      timestamp: message.timestamp,
    })),
  });
}

async function committed(group: string, topic: string): Promise<Record<number, number>> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Reads a whole topic from the beginning with a throwaway group until `count` messages arrived. */
async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({
    groupId: `kt-${runId}-reader-${randomBytes(3).toString('hex')}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
  });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await eventually(
      () => (seen.length >= count ? true : undefined),
      `${count} messages on ${topic} (have ${seen.length})`,
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

const allRecords = (event: LambdaKafkaEvent): LambdaKafkaRecord[] => Object.values(event.records).flat();
const perPartition = (records: string[]): Record<string, string[]> => {
  const groups: Record<string, string[]> = {};
  for (const record of records) (groups[record.split(':')[0]!] ??= []).push(record);
  return groups;
};
const header = (message: KafkaMessage, name: string): string | undefined => message.headers?.[name]?.toString();

describe('Kafka trigger emulator against the real broker', () => {
  it('given records on three partitions, when delivered, then the event has the exact MSK shape with real partitions, offsets, timestamps and headers', async () => {
    const { topic, dlq, group } = await freshTopics('shape', 3);
    await produce(topic, [
      {
        partition: 0,
        key: 'account-0',
        value: '{"n":0}',
        headers: { 'event-type': 'AccountCreated', bin: Buffer.from([0, 200, 255]) },
        timestamp: '1700000000000',
      },
      { partition: 0, key: null, value: 'no key', timestamp: '1700000000001' },
    ]);
    await produce(topic, [{ partition: 1, key: 'account-1', value: null, timestamp: '1700000000002' }]);
    await produce(topic, [
      { partition: 2, key: 'account-2', value: 'x', headers: { dup: ['a', 'b'] }, timestamp: '1700000000003' },
    ]);
    const events: LambdaKafkaEvent[] = [];

    await start({ topic, deadLetterTopic: dlq, consumerGroupId: group, batchingWindowMs: 300 }, async (event) => {
      events.push(event);
      return null;
    });
    await eventually(() => (events.flatMap(allRecords).length >= 4 ? true : undefined), 'four records');

    expect(events).toHaveLength(1);
    const [event] = events;
    expect(mskEventSchema.safeParse(event).error).toBeUndefined();
    expect(event!.eventSource).toBe('aws:kafka');
    expect(event!.eventSourceArn).toBe(mapping().eventSourceArn);
    expect(event!.bootstrapServers).toBe(brokers.join(','));
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    expect(event!.records[`${topic}-0`]).toEqual([
      {
        topic,
        partition: 0,
        offset: 0,
        timestamp: 1_700_000_000_000,
        timestampType: 'CREATE_TIME',
        key: b64('account-0'),
        value: b64('{"n":0}'),
        headers: [{ 'event-type': [...Buffer.from('AccountCreated')] }, { bin: [0, -56, -1] }],
      },
      {
        topic,
        partition: 0,
        offset: 1,
        timestamp: 1_700_000_000_001,
        timestampType: 'CREATE_TIME',
        value: b64('no key'),
        headers: [],
      },
    ]);
    expect(event!.records[`${topic}-1`]).toEqual([
      {
        topic,
        partition: 1,
        offset: 0,
        timestamp: 1_700_000_000_002,
        timestampType: 'CREATE_TIME',
        key: b64('account-1'),
        value: null,
        headers: [],
      },
    ]);
    expect(event!.records[`${topic}-2`]).toEqual([
      {
        topic,
        partition: 2,
        offset: 0,
        timestamp: 1_700_000_000_003,
        timestampType: 'CREATE_TIME',
        key: b64('account-2'),
        value: b64('x'),
        headers: [{ dup: [97] }, { dup: [98] }],
      },
    ]);
    await eventually(async () => {
      const offsets = await committed(group, topic);
      return offsets[0] === 2 && offsets[1] === 1 && offsets[2] === 1 ? offsets : undefined;
    }, 'offsets committed after the successful invocation');
  });

  it('given a topic with LogAppendTime, when delivered, then timestampType is LOG_APPEND_TIME with the broker time', async () => {
    const { topic, dlq, group } = await freshTopics('logappend', 1, [
      { name: 'message.timestamp.type', value: 'LogAppendTime' },
    ]);
    const before = Date.now();
    await produce(topic, [{ partition: 0, timestamp: '1000' }]);
    const records: LambdaKafkaRecord[] = [];

    await start({ topic, deadLetterTopic: dlq, consumerGroupId: group, batchingWindowMs: 10 }, async (event) => {
      records.push(...allRecords(event));
    });
    await eventually(() => (records.length === 1 ? true : undefined), 'the record');

    expect(records[0]!.timestampType).toBe('LOG_APPEND_TIME');
    expect(records[0]!.timestamp).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('given LATEST for a new group, when records existed before the start, then only records produced after it are delivered', async () => {
    const { topic, dlq, group } = await freshTopics('latest', 2);
    await produce(topic, [{ partition: 0 }, { partition: 1 }, { partition: 1 }]);
    const delivered: string[] = [];

    await start({ topic, deadLetterTopic: dlq, consumerGroupId: group, startingPosition: 'LATEST' }, async (event) => {
      delivered.push(...allRecords(event).map((record) => `${record.partition}:${record.offset}`));
    });
    await eventually(async () => {
      const offsets = await committed(group, topic);
      return offsets[0] === 1 && offsets[1] === 2 ? true : undefined;
    }, 'the starting position fixed (committed) at start');
    await produce(topic, [{ partition: 0 }, { partition: 1 }]);
    await eventually(() => (delivered.length >= 2 ? true : undefined), 'the new records');

    expect([...delivered].sort()).toEqual(['0:1', '1:2']);
  });

  it('given AT_TIMESTAMP for a new group, when started, then delivery begins at the first record at or after the timestamp', async () => {
    const { topic, dlq, group } = await freshTopics('attimestamp', 1);
    await produce(topic, [
      { partition: 0, timestamp: '1700000001000' },
      { partition: 0, timestamp: '1700000002000' },
      { partition: 0, timestamp: '1700000003000' },
    ]);
    const delivered: number[] = [];

    await start(
      {
        topic,
        deadLetterTopic: dlq,
        consumerGroupId: group,
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestampMs: 1_700_000_001_500,
      },
      async (event) => {
        delivered.push(...allRecords(event).map((record) => record.offset));
      },
    );
    await eventually(() => (delivered.length >= 2 ? true : undefined), 'the records from the timestamp on');

    expect(delivered).toEqual([1, 2]);
  });

  it('given a backlog, when batching, then batches hold at most batchSize records and a partial batch waits for the window', async () => {
    const { topic, dlq, group } = await freshTopics('batching', 1);
    await produce(
      topic,
      Array.from({ length: 25 }, () => ({ partition: 0 })),
    );
    const calls: Array<{ at: number; offsets: number[] }> = [];
    const windowMs = 1_500;

    await start(
      { topic, deadLetterTopic: dlq, consumerGroupId: group, batchSize: 10, batchingWindowMs: windowMs },
      async (event) => {
        calls.push({ at: Date.now(), offsets: allRecords(event).map((record) => record.offset) });
      },
    );
    await eventually(() => (calls.length >= 3 ? true : undefined), 'three batches');

    expect(calls.map((call) => call.offsets.length)).toEqual([10, 10, 5]);
    expect(calls.flatMap((call) => call.offsets)).toEqual(Array.from({ length: 25 }, (_, index) => index));
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(windowMs / 2); // full batches do not wait
    expect(calls[2]!.at - calls[0]!.at).toBeGreaterThanOrEqual(windowMs - 100); // the partial one waits for the window

    const producedAt = Date.now();
    await produce(topic, [{ partition: 0 }]);
    await eventually(() => (calls.length === 4 ? true : undefined), 'the fourth batch');
    expect(calls[3]!.offsets).toEqual([25]);
    expect(calls[3]!.at - producedAt).toBeGreaterThanOrEqual(windowMs - 100);
    expect(calls[3]!.at - producedAt).toBeLessThan(windowMs + 3_000);
  });

  it('given concurrent traffic on three partitions and a slow handler, when delivered, then each partition is in order, once, with one batch in flight at a time', async () => {
    const { topic, dlq, group } = await freshTopics('order', 3);
    const perPartition = 60;
    const delivered = new Map<number, number[]>();
    const inFlight = new Map<number, number>();
    let maxInFlightPerPartition = 0;
    const batchSizes: number[] = [];

    await start(
      { topic, deadLetterTopic: dlq, consumerGroupId: group, batchSize: 7, batchingWindowMs: 20 },
      async (event) => {
        const partitions = Object.values(event.records).map((list) => list[0]!.partition);
        batchSizes.push(allRecords(event).length);
        for (const partition of partitions) {
          inFlight.set(partition, (inFlight.get(partition) ?? 0) + 1);
          maxInFlightPerPartition = Math.max(maxInFlightPerPartition, inFlight.get(partition)!);
        }
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(Math.random() * 20)));
        for (const record of allRecords(event)) {
          const list = delivered.get(record.partition) ?? [];
          list.push(record.offset);
          delivered.set(record.partition, list);
        }
        for (const partition of partitions) inFlight.set(partition, inFlight.get(partition)! - 1);
      },
    );
    for (let round = 0; round < 6; round += 1) {
      await produce(
        topic,
        Array.from({ length: perPartition / 2 }, (_, index) => ({ partition: index % 3 })).concat(
          Array.from({ length: perPartition / 2 }, (_, index) => ({ partition: index % 3 })),
        ),
      );
    }
    const expected = Array.from({ length: (perPartition * 6) / 3 }, (_, index) => index);
    await eventually(
      () =>
        [0, 1, 2].every((partition) => (delivered.get(partition)?.length ?? 0) >= expected.length) ? true : undefined,
      'every record delivered',
    );

    for (const partition of [0, 1, 2]) expect(delivered.get(partition)).toEqual(expected);
    expect(maxInFlightPerPartition).toBe(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(7);
    await eventually(async () => {
      const offsets = await committed(group, topic);
      return [0, 1, 2].every((partition) => offsets[partition] === expected.length) ? true : undefined;
    }, 'all offsets committed');
  });

  it('given a second emulator joining the group and the first one leaving, when records keep flowing, then every record is delivered and committed', async () => {
    const { topic, dlq, group } = await freshTopics('rebalance', 4);
    const seen = new Map<number, Set<number>>();
    const handler: Invoke = async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const record of allRecords(event)) {
        const offsets = seen.get(record.partition) ?? new Set<number>();
        offsets.add(record.offset);
        seen.set(record.partition, offsets);
      }
    };
    const settings = { topic, deadLetterTopic: dlq, consumerGroupId: group, batchSize: 5, batchingWindowMs: 20 };
    const burst = (): Promise<void> =>
      produce(
        topic,
        Array.from({ length: 40 }, (_, index) => ({ partition: index % 4 })),
      );
    const deliveredCount = (): number => [...seen.values()].reduce((sum, offsets) => sum + offsets.size, 0);

    const first = await start(settings, handler);
    await burst();
    await eventually(() => (deliveredCount() >= 10 ? true : undefined), 'the first deliveries');
    const second = await start(settings, handler);
    await burst();
    await first.stop();
    await burst();

    const all = Array.from({ length: 30 }, (_, index) => index);
    await eventually(
      () => ([0, 1, 2, 3].every((partition) => (seen.get(partition)?.size ?? 0) === 30) ? true : undefined),
      'every record',
    );
    for (const partition of [0, 1, 2, 3]) expect([...seen.get(partition)!].sort((a, b) => a - b)).toEqual(all);
    await eventually(async () => {
      const offsets = await committed(group, topic);
      return [0, 1, 2, 3].every((partition) => offsets[partition] === 30) ? true : undefined;
    }, 'every offset committed');
    expect(second.stats.assignedPartitions).toEqual([0, 1, 2, 3]);
    expect(first.stats.rebalances + second.stats.rebalances).toBeGreaterThanOrEqual(1);
  });

  it('given two mappings of different topics sharing one consumerGroupId, when both run, then each consumes all of its own topic', async () => {
    const a = await freshTopics('shared-a', 3);
    const b = await freshTopics('shared-b', 3);
    const sharedGroup = `${a.group}-shared`;
    const got = { a: new Set<string>(), b: new Set<string>() };
    const collect =
      (into: Set<string>): Invoke =>
      async (event) => {
        for (const record of allRecords(event)) into.add(`${record.topic}:${record.partition}:${record.offset}`);
      };

    await start(
      { topic: a.topic, deadLetterTopic: a.dlq, consumerGroupId: sharedGroup, batchingWindowMs: 20 },
      collect(got.a),
    );
    await start(
      { topic: b.topic, deadLetterTopic: b.dlq, consumerGroupId: sharedGroup, batchingWindowMs: 20 },
      collect(got.b),
    );
    await produce(a.topic, [{ partition: 0 }, { partition: 1 }, { partition: 2 }]);
    await produce(b.topic, [{ partition: 0 }, { partition: 1 }, { partition: 2 }]);

    await eventually(() => (got.a.size === 3 && got.b.size === 3 ? true : undefined), 'both topics consumed');
    expect([...got.a].every((id) => id.startsWith(`${a.topic}:`))).toBe(true);
    expect([...got.b].every((id) => id.startsWith(`${b.topic}:`))).toBe(true);
  });

  it('given the process killed in the middle of a batch, when a new one starts in the same group, then exactly the uncommitted records are delivered again', async () => {
    const { topic, dlq, group } = await freshTopics('kill', 1);
    await produce(
      topic,
      Array.from({ length: 30 }, () => ({ partition: 0 })),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testing', 'crash-child.ts')], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: {
        ...process.env,
        KT_TOPIC: topic,
        KT_DLQ: dlq,
        KT_GROUP: group,
        KT_BLOCK_AT: '10',
        KT_BATCH_SIZE: '10',
        KAFKA_BROKERS: brokers.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    await eventually(
      () => (output.includes('BLOCKED') ? true : undefined),
      `the child to block (output: ${output})`,
      60_000,
    );
    expect(output).toContain('DONE 0,1,2,3,4,5,6,7,8,9');
    expect(output).toContain('BLOCKED 10,11,12,13,14,15,16,17,18,19');
    expect(await committed(group, topic)).toEqual({ 0: 10 }); // the first batch, not the one in flight
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const redelivered: number[] = [];
    await start(
      { topic, deadLetterTopic: dlq, consumerGroupId: group, batchSize: 10, batchingWindowMs: 50 },
      async (event) => {
        redelivered.push(...allRecords(event).map((record) => record.offset));
      },
    );
    await eventually(() => (redelivered.length >= 20 ? true : undefined), 'the redelivery', 60_000);

    expect(redelivered).toEqual(Array.from({ length: 20 }, (_, index) => index + 10));
    await eventually(async () => ((await committed(group, topic))[0] === 30 ? true : undefined), 'offset 30 committed');
  });

  it('given a batch in flight at shutdown, when it finishes within the grace period, then it is committed; when it hangs, stop returns without committing', async () => {
    const { topic, dlq, group } = await freshTopics('shutdown', 1);
    await produce(
      topic,
      Array.from({ length: 3 }, () => ({ partition: 0 })),
    );
    let release: () => void = () => undefined;
    let entered = false;
    const slow = await start(
      { topic, deadLetterTopic: dlq, consumerGroupId: group, batchingWindowMs: 10 },
      async () => {
        entered = true;
        await new Promise<void>((resolve) => (release = resolve));
      },
    );
    await eventually(() => (entered ? true : undefined), 'the first invocation');

    const stopping = slow.stop();
    release();
    await stopping;
    expect(await committed(group, topic)).toEqual({ 0: 3 });

    await produce(
      topic,
      Array.from({ length: 2 }, () => ({ partition: 0 })),
    );
    entered = false;
    const hanging = await start(
      { topic, deadLetterTopic: dlq, consumerGroupId: group, batchingWindowMs: 10 },
      async () => {
        entered = true;
        await new Promise(() => undefined);
      },
      300,
    );
    await eventually(() => (entered ? true : undefined), 'the hanging invocation');
    const began = Date.now();
    await hanging.stop();

    expect(Date.now() - began).toBeLessThan(5_000);
    expect(await committed(group, topic)).toEqual({ 0: 3 });
  });

  it('given a poison record and no bisect, when retries run out, then the whole batch goes to the on-failure destination topic as it was and later records are processed', async () => {
    const { topic, dlq, group } = await freshTopics('dlq', 1);
    await produce(
      topic,
      Array.from({ length: 10 }, (_, index) => ({
        partition: 0,
        key: `k${index}`,
        value: index === 3 ? 'poison' : `ok-${index}`,
        headers: { 'event-type': 'MoneyDeposited' },
      })),
    );
    const invocations: number[][] = [];
    const processed: number[] = [];

    const trigger = await start(
      {
        topic,
        deadLetterTopic: dlq,
        consumerGroupId: group,
        batchSize: 5,
        batchingWindowMs: 50,
        retry: {
          maximumRetryAttempts: 2,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
      },
      async (event) => {
        const list = allRecords(event);
        invocations.push(list.map((record) => record.offset));
        if (list.some((record) => Buffer.from(record.value ?? '', 'base64').toString() === 'poison')) {
          throw new FunctionError('PoisonError', 'cannot project poison');
        }
        processed.push(...list.map((record) => record.offset));
      },
    );
    await eventually(() => (processed.includes(9) ? true : undefined), 'the records after the poison batch');

    expect(invocations).toEqual([
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(processed).toEqual([5, 6, 7, 8, 9]);
    const dead = await readTopic(dlq, 5);
    expect(dead.map((message) => message.value?.toString())).toEqual(['ok-0', 'ok-1', 'ok-2', 'poison', 'ok-4']);
    expect(dead.map((message) => message.key?.toString())).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    const poison = dead[3]!;
    // The actual record, and no metadata headers of the emulator's invention (AWS documents none).
    expect(Object.keys(poison.headers ?? {})).toEqual(['event-type']);
    expect(header(poison, 'event-type')).toBe('MoneyDeposited');
    await eventually(async () => ((await committed(group, topic))[0] === 10 ? true : undefined), 'offset 10 committed');
    expect(trigger.stats.deadLettered).toBe(5);
  });

  it('given a poison record and bisect on, when processed, then only the poison record is dead-lettered and every other record succeeds once, in order', async () => {
    const { topic, dlq, group } = await freshTopics('bisect', 1);
    await produce(
      topic,
      Array.from({ length: 8 }, (_, index) => ({ partition: 0, value: index === 5 ? 'poison' : `ok-${index}` })),
    );
    const succeeded: number[] = [];

    await start(
      {
        topic,
        deadLetterTopic: dlq,
        consumerGroupId: group,
        batchSize: 8,
        batchingWindowMs: 50,
        retry: {
          maximumRetryAttempts: 1,
          bisectBatchOnFunctionError: true,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
      },
      async (event) => {
        const list = allRecords(event);
        if (list.some((record) => Buffer.from(record.value ?? '', 'base64').toString() === 'poison'))
          throw new Error('poison');
        succeeded.push(...list.map((record) => record.offset));
      },
    );
    const dead = await readTopic(dlq, 1);

    expect(dead.map((message) => message.value?.toString())).toEqual(['poison']);
    await eventually(async () => ((await committed(group, topic))[0] === 8 ? true : undefined), 'offset 8 committed');
    expect(succeeded).toEqual([0, 1, 2, 3, 4, 6, 7]);
  });

  it('given ReportBatchItemFailures, when one record fails once, then offsets are committed up to it and only its partition is retried from it', async () => {
    const { topic, dlq, group } = await freshTopics('partial', 2);
    await produce(
      topic,
      Array.from({ length: 6 }, () => ({ partition: 0 })),
    );
    await produce(
      topic,
      Array.from({ length: 4 }, () => ({ partition: 1 })),
    );
    const invocations: Array<{ records: string[]; committedBefore: Record<number, number> }> = [];

    await start(
      {
        topic,
        deadLetterTopic: dlq,
        consumerGroupId: group,
        batchSize: 100,
        batchingWindowMs: 300,
        retry: {
          maximumRetryAttempts: 3,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: true,
          maximumRecordAgeMs: null,
        },
      },
      async (event) => {
        invocations.push({
          records: allRecords(event).map((record) => `${record.partition}:${record.offset}`),
          committedBefore: await committed(group, topic),
        });
        if (invocations.length === 1)
          return { batchItemFailures: [{ itemIdentifier: { partition: `${topic}-0`, offset: 3 } }] };
        return { batchItemFailures: [] };
      },
    );
    await eventually(() => (invocations.length >= 2 ? true : undefined), 'the retry');

    // Lambda keeps order within a partition, not across partitions: compare each partition's sequence.
    expect(perPartition(invocations[0]!.records)).toEqual({
      0: ['0:0', '0:1', '0:2', '0:3', '0:4', '0:5'],
      1: ['1:0', '1:1', '1:2', '1:3'],
    });
    expect(invocations[1]!.records).toEqual(['0:3', '0:4', '0:5']);
    expect(invocations[1]!.committedBefore).toEqual({ 0: 3, 1: 4 });
    await eventually(async () => {
      const offsets = await committed(group, topic);
      return offsets[0] === 6 && offsets[1] === 4 ? true : undefined;
    }, 'all committed');
    expect(invocations).toHaveLength(2);
  });
  it('given FilterCriteria on value, when records arrive, then only matching ones are invoked and the others are committed without an invocation', async () => {
    const { topic, dlq, group } = await freshTopics('filter', 1);
    await produce(topic, [
      { partition: 0, value: '{"type":"MoneyDeposited","amount":500}' },
      { partition: 0, value: '{"type":"AccountOpened"}' },
      { partition: 0, value: 'not json' },
      { partition: 0, value: '{"type":"MoneyDeposited","amount":5}' },
      { partition: 0, value: '{"type":"MoneyWithdrawn","amount":900}' },
    ]);
    const invoked: number[] = [];

    const trigger = await start(
      {
        topic,
        deadLetterTopic: dlq,
        consumerGroupId: group,
        filterPatterns: [
          { value: { type: [{ prefix: 'Money' }], amount: [{ numeric: ['>=', 100] }] } },
          { value: { type: [{ 'anything-but': ['MoneyDeposited', 'MoneyWithdrawn', 'AccountOpened'] }] } },
        ],
      },
      async (event) => {
        invoked.push(...allRecords(event).map((record) => record.offset));
      },
    );
    // The batch's own commit (after offset 4) may be seen before the filtered records are counted: wait for both.
    await eventually(
      async () => ((await committed(group, topic))[0] === 5 && trigger.stats.filteredOut > 0 ? true : undefined),
      'all 5 committed and the filtered ones counted',
    );

    expect(invoked).toEqual([0, 4]);
    expect(trigger.stats.filteredOut).toBe(3);
  });

  it('given an existing consumer group, when the mapping starts with LATEST, then StartingPosition is ignored and its committed offsets win', async () => {
    const { topic, dlq, group } = await freshTopics('existing-group', 1);
    await produce(topic, [
      { partition: 0, value: 'a' },
      { partition: 0, value: 'b' },
      { partition: 0, value: 'c' },
    ]);
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '1' }] });
    const delivered: number[] = [];

    await start({ topic, deadLetterTopic: dlq, consumerGroupId: group, startingPosition: 'LATEST' }, async (event) => {
      delivered.push(...allRecords(event).map((record) => record.offset));
    });
    await eventually(
      async () => ((await committed(group, topic))[0] === 3 ? true : undefined),
      'offsets 1..2 processed',
    );

    expect(delivered).toEqual([1, 2]);
  });

  it('given no on-failure destination and finite retries, when a record keeps failing, then like AWS it is discarded (committed) after the retries', async () => {
    const { topic, group } = await freshTopics('discard', 1);
    await produce(topic, [
      { partition: 0, value: 'poison' },
      { partition: 0, value: 'ok' },
    ]);
    const attempts: string[] = [];

    const trigger = await start(
      {
        topic,
        deadLetterTopic: null,
        consumerGroupId: group,
        batchSize: 1,
        retry: {
          maximumRetryAttempts: 2,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
      },
      async (event) => {
        const value = Buffer.from(allRecords(event)[0]!.value ?? '', 'base64').toString();
        attempts.push(value);
        if (value === 'poison') throw new Error('poison');
      },
    );
    await eventually(async () => ((await committed(group, topic))[0] === 2 ? true : undefined), 'both committed');

    expect(attempts).toEqual(['poison', 'poison', 'poison', 'ok']);
    expect(trigger.stats.discarded).toBe(1);
  });

  it('given retries until expiry (the default), when a record keeps failing, then its partition is retried and blocked, never committed past it', async () => {
    const { topic, group } = await freshTopics('infinite', 1);
    await produce(topic, [
      { partition: 0, value: 'poison' },
      { partition: 0, value: 'ok' },
    ]);
    let attempts = 0;

    await start(
      {
        topic,
        deadLetterTopic: null,
        consumerGroupId: group,
        retry: {
          maximumRetryAttempts: Number.POSITIVE_INFINITY,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
      },
      async () => {
        attempts += 1;
        throw new Error('always');
      },
    );
    await eventually(() => (attempts >= 12 ? true : undefined), 'more than the 10 retries a destination would cap');

    expect((await committed(group, topic))[0] ?? -1).toBeLessThan(1);
  });
});
