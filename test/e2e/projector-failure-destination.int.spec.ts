/**
 * The projector's on-failure destination as deployed (resources/kafka-mode/msk.yml) and as emulated locally by the
 * Kafka trigger package: the same kind of destination (a Kafka topic of its own, kafka://<topic>-projector-failures,
 * never the projector's poison topic <topic>-dlq), receiving the same thing (the failed record as it was).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { readMappings } from 'serverless-offline-kafka-trigger/config';
import { FunctionError } from 'serverless-offline-kafka-trigger/invoker';
import { startKafkaTrigger, type KafkaTrigger } from 'serverless-offline-kafka-trigger/trigger';
import { parse as parseYaml } from 'yaml';
import { waitUntil } from '../../lib/platform/wait-until';

jest.setTimeout(90_000);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((broker) => broker.trim());
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const kafka = new Kafka({ clientId: `parity-${runId}`, brokers, logLevel: logLevel.NOTHING });
const createdTopics: string[] = [];
let admin: Admin;
let producer: Producer;
let trigger: KafkaTrigger | undefined;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await trigger?.stop();
  await producer?.disconnect();
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin?.disconnect();
});

async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `parity-${runId}-reader`, maxWaitTimeInMs: 100 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await waitUntil(`${count} messages on ${topic}`, async () => (seen.length >= count ? true : undefined), {
      timeoutMs: 30_000,
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

async function committed(group: string, topic: string): Promise<number | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const offset = entry?.partitions[0]?.offset;
  return offset === undefined ? undefined : Number(offset);
}

describe('the projector mapping on-failure destination, deployed and local', () => {
  it("given the deployed projector mapping's on-failure destination, when a record keeps failing locally, then it reaches the same kind of destination (a Kafka topic of its own, not the projector's dead-letter topic) as the same record", async () => {
    // The deployed declaration, read from the file serverless.yml includes (CloudFormation tags kept as plain values).
    const repo = path.resolve(__dirname, '..', '..');
    const mode = parseYaml(fs.readFileSync(path.join(repo, 'resources/kafka-mode/msk.yml'), 'utf8'), {
      customTags: [
        { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
        { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value }) },
        { tag: '!Sub', resolve: (value: unknown) => ({ 'Fn::Sub': value }) },
        { tag: '!Sub', collection: 'seq', resolve: (value: unknown) => ({ 'Fn::Sub': value }) },
        { tag: '!Select', collection: 'seq', resolve: (value: unknown) => ({ 'Fn::Select': value }) },
        { tag: '!Split', collection: 'seq', resolve: (value: unknown) => ({ 'Fn::Split': value }) },
        { tag: '!If', collection: 'seq', resolve: (value: unknown) => ({ 'Fn::If': value }) },
      ],
      logLevel: 'silent',
    }) as { events: Array<{ msk: Record<string, unknown> }>; resources: { extensions: Record<string, unknown> } };
    const extension = mode.resources.extensions.ProjectorEventSourceMappingMSKMskClusterBankingevents as {
      Properties: { DestinationConfig: { OnFailure: { Destination: string } } };
    };
    const declared = extension.Properties.DestinationConfig.OnFailure.Destination;
    const withParams = (text: string, kafkaTopic: string): string =>
      text.replace('${param:kafkaTopic}', kafkaTopic).replace('${param:projectorConsumerGroup}', `${kafkaTopic}-group`);
    // On AWS (params of the aws stages): a kafka:// topic, distinct from the projector's own banking-events-dlq.
    expect(withParams(declared, 'banking-events')).toBe('kafka://banking-events-projector-failures');

    // Locally: the same declaration, read by the emulator exactly as the plugin reads serverless.yml.
    const topic = `parity-${runId}`;
    const projectorDeadLetters = `${topic}-dlq`;
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1 },
        { topic: projectorDeadLetters, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    createdTopics.push(topic, projectorDeadLetters);
    const event = JSON.parse(withParams(JSON.stringify(mode.events[0]!.msk), topic)) as Record<string, unknown>;
    const [local] = readMappings(
      {
        service: 'ledgerline',
        stage: 'local',
        functions: { projector: { timeout: 60, events: [{ msk: { ...event, arn: { Ref: 'MskCluster' } } }] } },
        resources: {
          extensions: {
            ProjectorEventSourceMappingMSKMskClusterBankingevents: {
              Properties: JSON.parse(withParams(JSON.stringify(extension.Properties), topic)) as unknown,
            },
          },
        },
      },
      { env: { KAFKA_BROKERS: brokers.join(',') } },
    ).mappings;
    expect(local!.configuredOnFailureDestination).toBe(`kafka://${topic}-projector-failures`);
    expect(local!.deadLetterTopic).not.toBe(projectorDeadLetters);
    createdTopics.push(local!.deadLetterTopic!);

    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'account-1', value: '{"type":"MoneyDeposited"}', headers: { 'event-type': 'MoneyDeposited' } }],
    });
    trigger = await startKafkaTrigger({
      mapping: { ...local!, batchingWindowMs: 50, retry: { ...local!.retry, maximumRetryAttempts: 1 } },
      brokers,
      clientId: `parity-${runId}`,
      backoff: { baseMs: 10, maxMs: 50 },
      invoke: async () => {
        throw new FunctionError('ProjectionError', 'cannot project');
      },
    });
    const [failed] = await readTopic(local!.deadLetterTopic!, 1);

    // The record itself, as the deployed Kafka destination receives it ("the actual failed records").
    expect(failed!.key?.toString()).toBe('account-1');
    expect(failed!.value?.toString()).toBe('{"type":"MoneyDeposited"}');
    expect(Object.keys(failed!.headers ?? {})).toEqual(['event-type']);
    expect(failed!.headers?.['event-type']?.toString()).toBe('MoneyDeposited');
    await waitUntil('the failed record committed', async () =>
      (await committed(local!.consumerGroupId, topic)) === 1 ? true : undefined,
    );
    expect(trigger.stats.deadLettered).toBe(1);
    // Nothing went to the projector's own poison topic.
    expect((await admin.fetchTopicOffsets(projectorDeadLetters))[0]!.high).toBe('0');
  });
});
