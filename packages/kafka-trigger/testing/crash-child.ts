/**
 * Test child process (kafka-trigger.int.spec.ts): runs the emulator core with an in-process handler that succeeds
 * until a batch contains KT_BLOCK_AT, then reports BLOCKED on stdout and hangs, so the test can SIGKILL it
 * mid-batch. Not part of the plugin.
 */
import { startKafkaTrigger } from '../trigger';
import { mapping } from './fixtures';

async function main(): Promise<void> {
  const blockAt = Number(process.env.KT_BLOCK_AT);
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  await startKafkaTrigger({
    mapping: mapping({
      topic: process.env.KT_TOPIC!,
      deadLetterTopic: process.env.KT_DLQ!,
      consumerGroupId: process.env.KT_GROUP!,
      batchSize: Number(process.env.KT_BATCH_SIZE ?? 10),
      batchingWindowMs: 50,
    }),
    brokers: process.env.KAFKA_BROKERS!.split(','),
    consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
    invoke: async (event) => {
      const offsets = Object.values(event.records).flatMap((list) => list.map((record) => record.offset));
      if (offsets.includes(blockAt)) {
        say(`BLOCKED ${offsets.join(',')}`);
        await new Promise(() => undefined); // hang until killed
      }
      say(`DONE ${offsets.join(',')}`);
      return null;
    },
  });
  say('READY');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
