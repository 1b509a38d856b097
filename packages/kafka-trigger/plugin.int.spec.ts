/**
 * The plugin end to end: a throwaway service (outside the repository) with one JavaScript function and an `msk`
 * event, run by the real `serverless offline start`; records produced to the real broker reach the function through
 * serverless-offline's Lambda invoke API, a function error is retried and dead-lettered, and Ctrl-C (SIGINT) stops
 * the trigger cleanly, leaving the consumer group empty with its offsets committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type KafkaMessage } from 'kafkajs';
import type { LambdaKafkaEvent } from './encoding';
import { mskEventSchema } from './testing/event-schema';
import { eventually, outputContains } from './testing/poll';

jest.setTimeout(240_000);

const REPO = path.resolve(__dirname, '..', '..');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((broker) => broker.trim());
const runId = `ktp-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `${runId}-src`;
const dlq = `${runId}-dlq`;
const group = `${runId}-group`;
const kafka = new Kafka({ clientId: runId, brokers, logLevel: logLevel.NOTHING });
let serviceDir: string;
let offline: ChildProcess | undefined;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const HANDLER = `'use strict';
const fs = require('node:fs');
exports.sink = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
  const values = Object.values(event.records).flat().map((r) => (r.value === null ? null : Buffer.from(r.value, 'base64').toString()));
  if (values.includes('poison')) throw new Error('poison in batch');
  return { batchItemFailures: [] };
};
`;

function serviceYaml(outFile: string): string {
  return `service: ktplugin
frameworkVersion: "4"
plugins:
  - ./local/kafka-trigger
  - serverless-offline
provider:
  name: aws
  runtime: nodejs22.x
  region: eu-west-1
  stage: local
  environment:
    OUT_FILE: ${outFile}
custom:
  serverless-offline:
    host: 127.0.0.1
  kafkaTrigger:
    localBatchingWindowMs: 50
    retryBackoffBaseMs: 20
functions:
  sink:
    handler: handler.sink
    timeout: 10
    events:
      - msk:
          arn: arn:aws:kafka:eu-west-1:000000000000:cluster/plugin-test/1
          topic: ${topic}
          batchSize: 3
          startingPosition: TRIM_HORIZON
          consumerGroupId: ${group}
          provisionedPollerConfig:
            minimumPollers: 1
            maximumPollers: 1
resources:
  extensions:
    SinkEventSourceMappingMSKPlugintest${topic.replace(/[^0-9A-Za-z]/g, '').replace(/^./, (c) => c.toUpperCase())}:
      Properties:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure:
            Destination: kafka://${dlq}
`;
}

beforeAll(async () => {
  serviceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-trigger-plugin-'));
  fs.mkdirSync(path.join(serviceDir, 'local'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(serviceDir, 'node_modules'));
  fs.symlinkSync(__dirname, path.join(serviceDir, 'local', 'kafka-trigger'));
  fs.writeFileSync(path.join(serviceDir, 'package.json'), '{"name":"ktplugin","private":true}\n');
  fs.writeFileSync(path.join(serviceDir, 'handler.js'), HANDLER);
  fs.writeFileSync(path.join(serviceDir, 'serverless.yml'), serviceYaml(path.join(serviceDir, 'events.jsonl')));

  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 2 },
      { topic: dlq, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
});

afterAll(async () => {
  if (offline && offline.exitCode === null && offline.signalCode === null) offline.kill('SIGKILL');
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
  await admin.disconnect();
  fs.rmSync(serviceDir, { recursive: true, force: true });
});

function events(): LambdaKafkaEvent[] {
  const file = path.join(serviceDir, 'events.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LambdaKafkaEvent);
}

async function readDeadLetters(count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `${runId}-reader`, maxWaitTimeInMs: 100 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [dlq], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await eventually(() => (seen.length >= count ? true : undefined), `${count} dead letters`);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('kafka-trigger plugin under serverless offline', () => {
  it('given an msk event, when records arrive, then the function is invoked through serverless-offline, errors are dead-lettered, and SIGINT stops it cleanly', async () => {
    const [httpPort, lambdaPort] = [await freePort(), await freePort()];
    offline = spawn(
      path.join(REPO, 'node_modules', '.bin', 'serverless'),
      ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
      {
        cwd: serviceDir,
        env: { ...process.env, KAFKA_BROKERS: brokers.join(','), SLS_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    offline.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    offline.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await outputContains(() => output, 'Kafka trigger running', 180_000);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, key: 'a', value: 'one', headers: { 'event-type': 'T' } },
        { partition: 0, key: 'a', value: 'two' },
      ],
    });
    await eventually(() => (events().length > 0 ? true : undefined), 'the first invocation');
    await producer.send({ topic, acks: -1, messages: [{ partition: 1, key: 'b', value: 'poison' }] });
    await producer.disconnect();

    const dead = await readDeadLetters(1);
    expect(dead.map((message) => message.value?.toString())).toEqual(['poison']);
    expect(dead[0]!.key?.toString()).toBe('b');
    expect(dead[0]!.headers).toEqual({});
    expect(output).toContain('poison in batch');
    const delivered = events();
    for (const event of delivered) expect(mskEventSchema.safeParse(event).error).toBeUndefined();
    const values = delivered.flatMap((event) =>
      Object.values(event.records)
        .flat()
        .map(
          (record) => `${record.partition}:${record.offset}:${Buffer.from(record.value ?? '', 'base64').toString()}`,
        ),
    );
    expect(values.filter((value) => value.startsWith('0:'))).toEqual(['0:0:one', '0:1:two']);
    expect(values.filter((value) => value.startsWith('1:'))).toEqual(['1:0:poison', '1:0:poison']); // 1 + 1 retry

    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        const offsets = Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
        return offsets[0] === '2' && offsets[1] === '1' ? true : undefined;
      }, 'offsets committed');

      const exited = new Promise<number | null>((resolve) => offline!.once('exit', (code) => resolve(code)));
      offline.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toContain('kafka-trigger: stopping 1 Kafka trigger(s)');
      expect(output).not.toContain('fatal error');
      const description = await admin.describeGroups([group]);
      expect(description.groups[0]?.members).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});

/** A second throwaway service in its own folder (same plugin link), for the timeout and refusal cases. */
function makeService(name: string, yaml: string, handler: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kafka-trigger-${name}-`));
  fs.mkdirSync(path.join(dir, 'local'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(__dirname, path.join(dir, 'local', 'kafka-trigger'));
  fs.writeFileSync(path.join(dir, 'package.json'), `{"name":"${name}","private":true}\n`);
  fs.writeFileSync(path.join(dir, 'handler.js'), handler);
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yaml);
  return dir;
}

async function startOffline(dir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const child = spawn(
    path.join(REPO, 'node_modules', '.bin', 'serverless'),
    ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
    {
      cwd: dir,
      env: { ...process.env, KAFKA_BROKERS: brokers.join(','), SLS_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

const slowYaml = (name: string, source: string, destination: string, extraCustom = ''): string => `service: ${name}
frameworkVersion: "4"
plugins:
  - ./local/kafka-trigger
  - serverless-offline
provider:
  name: aws
  runtime: nodejs22.x
  region: eu-west-1
  stage: local
  environment:
    OUT_FILE: \${env:OUT_FILE, '/dev/null'}
custom:
  serverless-offline:
    host: 127.0.0.1
${extraCustom}  kafkaTrigger:
    localBatchingWindowMs: 50
    retryBackoffBaseMs: 20
functions:
  slow:
    handler: handler.slow
    timeout: 2
    events:
      - msk:
          arn: arn:aws:kafka:eu-west-1:000000000000:cluster/plugin-test/1
          topic: ${source}
          startingPosition: TRIM_HORIZON
          consumerGroupId: ${source}-group
          provisionedPollerConfig:
            minimumPollers: 1
resources:
  extensions:
    SlowEventSourceMappingMSKPlugintest${source.replace(/[^0-9A-Za-z]/g, '').replace(/^./, (c) => c.toUpperCase())}:
      Properties:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure:
            Destination: ${destination}
`;

const SLOW_HANDLER = `'use strict';
const fs = require('node:fs');
exports.slow = async () => {
  fs.appendFileSync(process.env.OUT_FILE, 'start ' + Date.now() + '\\n');
  await new Promise((resolve) => setTimeout(resolve, 4000));
  fs.appendFileSync(process.env.OUT_FILE, 'end ' + Date.now() + '\\n');
};
`;

describe('kafka-trigger plugin: timeouts and refusals', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('given worker threads and a handler slower than its timeout, when invoked, then each attempt is ended at the timeout before the retry starts, and the record reaches the destination', async () => {
    const source = `${runId}-slow`;
    const failures = `${runId}-slow-failures`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: source, numPartitions: 1 }], waitForLeaders: true });
    const dir = makeService('ktslow', slowYaml('ktslow', source, `kafka://${failures}`), SLOW_HANDLER);
    dirs.push(dir);
    const outFile = path.join(dir, 'attempts.txt');
    process.env.OUT_FILE = outFile;
    const { child, output } = await startOffline(dir);
    delete process.env.OUT_FILE;
    children.push(child);
    try {
      await outputContains(output, 'Kafka trigger running', 180_000);
      expect(output()).toMatch(/timeout 2 s\)/);
      expect(output()).not.toMatch(/NOT ENFORCED/);
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: source, acks: -1, messages: [{ key: 'k', value: 'slow' }] });
      await producer.disconnect();

      await eventually(
        async () => {
          const [entry] = await admin.fetchOffsets({ groupId: `${source}-group`, topics: [source] });
          return entry?.partitions[0]?.offset === '1' ? true : undefined;
        },
        'the record committed after its retry',
        60_000,
      );
      // Let a surviving first attempt (it would end 4 s after its start) show itself.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      const lines = fs.readFileSync(outFile, 'utf8').trim().split('\n');
      const starts = lines.filter((line) => line.startsWith('start ')).map((line) => Number(line.split(' ')[1]));

      expect(lines.filter((line) => line.startsWith('end '))).toEqual([]);
      expect(starts).toHaveLength(2);
      // The retry came after the timeout (2 s, less the worker's start-up before the handler wrote its line).
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1_000);
      const failed = await admin.fetchTopicOffsets(failures);
      expect(failed[0]!.high).toBe('1');
    } finally {
      child.kill('SIGINT');
      await admin.deleteTopics({ topics: [source, failures] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it.each([
    ['the in-process runner without the opt-in', 'arn:aws:kafka:eu-west-1:000000000000:x', /in-process runner/],
    ['an SQS on-failure destination', 'arn:aws:sqs:eu-west-1:000000000000:q', /is not emulated \(only a Kafka topic/],
  ])(
    'given %s, when serverless offline starts, then it stops with a message naming the setting',
    async (_, destination, message) => {
      const inProcess = String(message).includes('in-process');
      const yaml = slowYaml(
        'ktrefused',
        `${runId}-refused`,
        inProcess ? `kafka://${runId}-refused-failures` : destination,
        inProcess ? '    useInProcess: true\n' : '',
      );
      const dir = makeService('ktrefused', yaml, SLOW_HANDLER);
      dirs.push(dir);
      const { child, output } = await startOffline(dir);
      children.push(child);

      const code = await new Promise<number | null>((resolve) => {
        if (child.exitCode !== null) resolve(child.exitCode);
        else child.once('exit', (exitCode) => resolve(exitCode));
      });

      expect(code).not.toBe(0);
      expect(output()).toMatch(message);
    },
  );
});
