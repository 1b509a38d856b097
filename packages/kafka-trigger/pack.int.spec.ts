/**
 * The package as another project gets it: `npm pack`, the tarball installed into a minimal serverless project in a
 * temporary folder (offline: the project's dependencies are linked from this repository's node_modules, so npm
 * fetches nothing), then one batch end to end against the real broker under the real `serverless offline`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { LambdaKafkaEvent } from './encoding';
import { mskEventSchema } from './testing/event-schema';
import { eventually, outputContains } from './testing/poll';

jest.setTimeout(240_000);

const PACKAGE_NAME = 'serverless-offline-kafka-trigger';
const MODULES = path.resolve(__dirname, '..', '..', 'node_modules');
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((broker) => broker.trim());
const runId = `ktpack-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `${runId}-src`;
const failures = `${runId}-failures`;
const kafka = new Kafka({ clientId: runId, brokers, logLevel: logLevel.NOTHING });
let work: string;
let offline: ChildProcess | undefined;

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
exports.consume = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify(event) + '\\n');
};
`;

const serviceYaml = (outFile: string): string => `service: kt-fixture
frameworkVersion: "4"
plugins:
  - ${PACKAGE_NAME}
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
functions:
  consume:
    handler: handler.consume
    timeout: 10
    events:
      - msk:
          arn: arn:aws:kafka:eu-west-1:000000000000:cluster/fixture/1
          topic: ${topic}
          batchSize: 10
          maximumBatchingWindow: 1
          startingPosition: TRIM_HORIZON
          consumerGroupId: ${runId}-group
          provisionedPollerConfig:
            minimumPollers: 1
            maximumPollers: 1
resources:
  extensions:
    ConsumeEventSourceMappingMSKFixture${topic.replace(/[^0-9A-Za-z]/g, '').replace(/^./, (c) => c.toUpperCase())}:
      Properties:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure:
            Destination: kafka://${failures}
`;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-trigger-pack-'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
});

afterAll(async () => {
  if (offline && offline.exitCode === null && offline.signalCode === null) offline.kill('SIGKILL');
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, failures] }).catch(() => undefined);
  await admin.disconnect();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed plugin in another serverless project', () => {
  it('given the npm pack tarball installed into a fixture project, when a record is produced, then serverless offline invokes the function with it', async () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: __dirname, encoding: 'utf8' }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'index.js', 'plugin.ts', 'trigger.ts']));
    expect(files.filter((file) => file.endsWith('.spec.ts') || file.startsWith('testing/'))).toEqual([]);

    const project = path.join(work, 'project');
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), '{"name":"kt-fixture","private":true}\n');
    fs.writeFileSync(path.join(project, 'handler.js'), HANDLER);
    const outFile = path.join(project, 'events.jsonl');
    fs.writeFileSync(path.join(project, 'serverless.yml'), serviceYaml(outFile));
    const link = (name: string): void =>
      fs.symlinkSync(fs.realpathSync(path.join(MODULES, name)), path.join(project, 'node_modules', name));
    // The tarball's dependencies (and serverless-offline, its peer) are already here: npm has nothing to fetch.
    for (const name of ['kafkajs', 'tsx', 'zod', 'serverless-offline']) link(name);
    execFileSync(
      'npm',
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--no-package-lock',
        path.join(work, packed!.filename),
      ],
      { cwd: project, stdio: 'pipe', env: { ...process.env, npm_config_workspaces: 'false' } },
    );
    if (!fs.existsSync(path.join(project, 'node_modules', 'serverless-offline'))) link('serverless-offline');
    const installed = path.join(project, 'node_modules', PACKAGE_NAME);
    expect(fs.lstatSync(installed).isDirectory()).toBe(true); // unpacked from the tarball, not a link
    expect(fs.existsSync(path.join(installed, 'kafka-trigger.int.spec.ts'))).toBe(false);

    const [httpPort, lambdaPort] = [await freePort(), await freePort()];
    let output = '';
    offline = spawn(
      path.join(MODULES, '.bin', 'serverless'),
      ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
      {
        cwd: project,
        env: { ...process.env, KAFKA_BROKERS: brokers.join(','), SLS_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    offline.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    offline.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await outputContains(() => output, 'Kafka trigger running', 180_000);
    expect(output).toContain(`on failure → kafka://${failures}`);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 1, key: 'k', value: 'first', headers: { h: 'x' } },
        { partition: 1, key: 'k', value: 'second' },
      ],
    });
    await producer.disconnect();
    const events = await eventually(() => {
      if (!fs.existsSync(outFile)) return undefined;
      const lines = fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean);
      const parsed = lines.map((line) => JSON.parse(line) as LambdaKafkaEvent);
      const count = parsed.reduce((sum, event) => sum + Object.values(event.records).flat().length, 0);
      return count >= 2 ? parsed : undefined;
    }, 'the batch');

    for (const event of events) expect(mskEventSchema.safeParse(event).error).toBeUndefined();
    const records = events.flatMap((event) => event.records[`${topic}-1`] ?? []);
    expect(records.map((record) => [record.offset, Buffer.from(record.value ?? '', 'base64').toString()])).toEqual([
      [0, 'first'],
      [1, 'second'],
    ]);

    const exited = new Promise<number | null>((resolve) => offline!.once('exit', (code) => resolve(code)));
    offline.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
