/**
 * Run by relay-freeze.int.spec.ts in a process of its own (`node --import tsx`): the real relay (lib/outbox/relay,
 * as the relay function runs it) draining in a loop, the way a warm relay container would be invoked again and again.
 * Env: DATABASE_URL, KAFKA_BROKERS (the run's), RC_TOPIC, RC_PREFIX (only streams whose id starts with it: the store
 * is shared with other suites), RC_LEASE_MS, RC_PROXY_PORT (optional: every broker connection goes through that
 * loopback proxy). Prints SENDING <n> before each Kafka send, SENT after its acknowledgement, DRAIN <result> after
 * each drain and ERROR <message> for a failed one; SIGTERM ends the loop and it exits 0.
 */
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createPool } from '../../lib/platform/db/pool';
import { createKafka } from '../../lib/platform/kafka/client';
import { ProducerHandle, Relay } from '../../lib/outbox/relay';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

// RC_SEND_PAUSE_MS holds every send that long after SENDING, so that a test's signal lands while it is in flight
// (on a busy machine a loopback send can be over before the test has read the line).
const sendPauseMs = Number(process.env.RC_SEND_PAUSE_MS ?? 0);

class ReportingProducer extends ProducerHandle {
  override async sendBatch(topicMessages: Array<{ topic: string; messages: Message[] }>, timeoutMs?: number) {
    say(`SENDING ${topicMessages.reduce((n, entry) => n + entry.messages.length, 0)}`);
    if (sendPauseMs > 0) await delay(sendPauseMs);
    await super.sendBatch(topicMessages, timeoutMs);
    say('SENT');
  }
}

function kafkaClient(): Kafka {
  const proxyPort = Number(process.env.RC_PROXY_PORT ?? 0);
  if (!proxyPort) return createKafka({ retries: 2 });
  return new Kafka({
    clientId: 'relay-child',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxyPort }, onConnect),
  });
}

async function main(): Promise<void> {
  const topic = process.env.RC_TOPIC!;
  const prefix = process.env.RC_PREFIX!;
  const pool = createPool({ max: 2 });
  const relay = new Relay({
    pool,
    producer: new ReportingProducer(kafkaClient()),
    topic,
    name: topic,
    deadLetterTopic: `${topic}-dlq`,
    leaseMs: Number(process.env.RC_LEASE_MS ?? 2_000),
    accepts: (event) => event.streamId.startsWith(prefix),
  });
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
  });
  say('READY');
  while (!stopping) {
    try {
      const result = await relay.drain({ waitForLease: true, deadline: Date.now() + 3_000 });
      say(`DRAIN ${JSON.stringify(result)}`);
      if (result.stoppedBecause === 'idle') await delay(50);
    } catch (error) {
      say(`ERROR ${error instanceof Error ? error.message : String(error)}`);
      await delay(100);
    }
  }
  await relay.close();
  await pool.end();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
