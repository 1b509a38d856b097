import type { Kafka } from 'kafkajs';
import { createKafka } from '../../lib/platform/kafka/client';
import type { DecodedKafkaRecord } from '../../lib/platform/kafka/lambda-event';
import { ensureTopics } from '../../lib/platform/kafka/topics';
import { projectRecords } from '../../lib/projections/projector';
import { ident, PROJECTION_TABLES, READ_MODEL_SCHEMA } from '../../lib/projections/tables';
import { ProducerHandle, Relay } from '../../lib/outbox/relay';
import { timed } from '../harness/load';
import { progress } from '../harness/progress';
import type { Row } from '../harness/report';
import { interleave } from '../harness/rounds';
import { median } from '../harness/stats';
import { measured, type BenchContext } from './context';
import { ensureHistory } from './dataset';

/** Records per projector invocation: the event source mapping's batchSize in serverless.yml. */
const PROJECTOR_BATCH = 100;
const RELAY_BATCH = 500;

/**
 * A topic created a moment ago may not be known to every part of the broker yet ("This server does not host this
 * topic-partition"): the first sends to it are retried a few times. Measured rounds are never retried.
 */
async function retryingFreshTopic<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      progress(`retrying after: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}

async function createTopic(ctx: BenchContext, kafka: Kafka, topic: string): Promise<void> {
  await ensureTopics({ kafka, topic, deadLetterTopic: `${topic}-dlq` });
  ctx.topics.push(topic, `${topic}-dlq`);
}

/** Every record of a topic, per partition in offset order (the topic is complete: nobody writes to it any more). */
async function readWholeTopic(
  kafka: Kafka,
  topic: string,
  groupId: string,
): Promise<Map<number, DecodedKafkaRecord[]>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const byPartition = new Map<number, DecodedKafkaRecord[]>([...ends.keys()].map((p) => [p, []]));
  const complete = () => [...ends].every(([p, high]) => (byPartition.get(p)?.length ?? 0) >= high);
  if (complete()) return byPartition;
  const consumer = kafka.consumer({ groupId, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const list = byPartition.get(batch.partition)!;
          for (const message of batch.messages) {
            const headers: Record<string, Buffer> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              if (Buffer.isBuffer(value)) headers[name] = value;
              else if (typeof value === 'string') headers[name] = Buffer.from(value);
            }
            const offset = Number(message.offset);
            list.push({
              topic,
              partition: batch.partition,
              offset,
              timestamp: Number(message.timestamp),
              key: message.key,
              value: message.value,
              headers,
              itemIdentifier: { partition: `${topic}-${batch.partition}`, offset },
            });
          }
          if (complete()) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return byPartition;
}

async function createSchemaCopy(ctx: BenchContext, schema: string): Promise<void> {
  await ctx.pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await ctx.pool.query(`CREATE SCHEMA ${ident(schema)}`);
  for (const table of PROJECTION_TABLES) {
    await ctx.pool.query(
      `CREATE TABLE ${ident(schema)}.${ident(table)} (LIKE ${ident(READ_MODEL_SCHEMA)}.${ident(table)} INCLUDING ALL)`,
    );
  }
}

/**
 * Scenario 4 capacity rows, on the stored history:
 * - relay: the outbox relay (readAll → map → idempotent send with acks=all → checkpoint) draining a backlog, batches
 *   of 500, with a new relay name (checkpoint from the start) each round and one connected producer;
 * - projector: the projector's code (decode + validate the integration events, apply to the read models with the
 *   per-account progress, one transaction per batch) over records already fetched from Kafka, in batches of 100
 *   (the mapping's batchSize), one batch in flight per partition (as Lambda's Kafka mapping), into a fresh copy of
 *   the read-model tables each round.
 */
export async function capacityScenarios(ctx: BenchContext): Promise<Row[]> {
  const { events } = await ensureHistory(ctx);
  const relayEvents = Math.min(events, ctx.config.quick ? 5_000 : 20_000);
  const passes = Math.ceil(relayEvents / RELAY_BATCH);
  const kafka = createKafka({ clientId: `ledgerline-bench-${ctx.runId}` });
  const relayTopic = `bench-relay-${ctx.runId}`;
  const feedTopic = `bench-feed-${ctx.runId}`;
  await createTopic(ctx, kafka, relayTopic);
  await createTopic(ctx, kafka, feedTopic);
  const producer = new ProducerHandle(kafka);
  const rows: Row[] = [];
  try {
    let relayRound = 0;
    const relayRates = await interleave(
      'relay capacity',
      [
        {
          name: 'relay',
          run: async (round) => {
            const relay = new Relay({
              pool: ctx.pool,
              producer,
              topic: relayTopic,
              name: `bench-relay-${ctx.runId}-${(relayRound += 1)}`,
              batchSize: RELAY_BATCH,
            });
            const drain = () => timed(() => relay.drain({ maxPasses: passes }));
            const { ms, value } = round < 0 ? await retryingFreshTopic(drain) : await drain();
            if (value.events !== relayEvents) throw new Error(`relay sent ${value.events} of ${relayEvents} events`);
            return value.events / (ms / 1000);
          },
        },
      ],
      { rounds: ctx.config.rounds, show: (rate) => `${Math.round(rate)} events/s` },
    );
    rows.push(
      measured(
        4,
        `Relay drain, ${relayEvents.toLocaleString('en-US')}-event backlog → Kafka (acks=all)`,
        'events/s',
        relayRates.get('relay')!,
      ),
    );

    // The projector's input: the same events, relayed once to a topic of their own, read back whole.
    const feed = new Relay({
      pool: ctx.pool,
      producer,
      topic: feedTopic,
      name: `bench-feed-${ctx.runId}`,
      batchSize: RELAY_BATCH,
    });
    const fed = await retryingFreshTopic(() => feed.drain({ maxPasses: passes }));
    if (fed.events !== relayEvents) throw new Error(`feed relay sent ${fed.events} of ${relayEvents} events`);
    const partitions = await readWholeTopic(kafka, feedTopic, `bench-feed-${ctx.runId}`);
    const total = [...partitions.values()].reduce((n, list) => n + list.length, 0);
    progress(`projector capacity: ${total} records fetched from ${partitions.size} partitions`);

    let projectorRound = 0;
    const projectorRates = await interleave(
      'projector capacity',
      [
        {
          name: 'projector',
          run: async () => {
            const schema = `bench_projection_${(projectorRound += 1)}`;
            await createSchemaCopy(ctx, schema);
            try {
              let applied = 0;
              const deadLetter = () => Promise.reject(new Error('a valid event was dead-lettered'));
              const { ms } = await timed(() =>
                Promise.all(
                  [...partitions.values()].map(async (records) => {
                    for (let i = 0; i < records.length; i += PROJECTOR_BATCH) {
                      const outcome = await projectRecords(records.slice(i, i + PROJECTOR_BATCH), {
                        pool: ctx.pool,
                        deadLetter,
                        schema,
                      });
                      applied += outcome.summary.applied;
                    }
                  }),
                ),
              );
              if (applied !== total) throw new Error(`projector applied ${applied} of ${total} events`);
              return total / (ms / 1000);
            } finally {
              await ctx.pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
            }
          },
        },
      ],
      { rounds: ctx.config.rounds, show: (rate) => `${Math.round(rate)} events/s` },
    );
    const rates = projectorRates.get('projector')!;
    rows.push(
      measured(
        4,
        `Projector, ${total.toLocaleString('en-US')} events in batches of ${PROJECTOR_BATCH}, ${partitions.size} partitions`,
        'events/s',
        rates,
        { target: { text: '≥ 10,000 events/s', pass: median(rates) >= 10_000 } },
      ),
    );
  } finally {
    await producer.reset();
  }
  return rows;
}
