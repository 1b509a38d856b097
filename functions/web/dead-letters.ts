import { getConfig } from '../../lib/platform/config/env';
import { createKafka } from '../../lib/platform/kafka/client';
import { logger } from '../../lib/platform/observability/logger';
import { readDeadLetters } from '../../lib/queries/dead-letters';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { deadLettersPage } from '../../lib/presentation/web/pages/explorer';
import type { Kafka } from 'kafkajs';

const PER_PARTITION = 20;
let kafka: Kafka | undefined;

/** GET /explorer/dead-letters → the newest dead letters of each partition with their reason (Kafka away: said so). */
export const handler = signedInPage(async () => {
  const topic = getConfig().KAFKA_DLQ_TOPIC;
  // A page answers quickly when Kafka is away: short timeouts, few retries (as the status page).
  kafka ??= createKafka({
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retries: 2,
    initialRetryTime: 100,
    maxRetryTime: 500,
  });
  try {
    const read = await readDeadLetters(kafka, topic, { perPartition: PER_PARTITION, timeoutMs: 8_000 });
    return htmlResponse(200, deadLettersPage({ topic, perPartition: PER_PARTITION, ...read }));
  } catch (error) {
    logger.warn('Dead letters: Kafka unavailable', { error: error as Error });
    const reason = error instanceof Error ? error.message : String(error);
    return htmlResponse(
      503,
      deadLettersPage({ topic, perPartition: PER_PARTITION, letters: [], total: 0, complete: false, error: reason }),
      {
        headers: { 'retry-after': '5' },
      },
    );
  }
}, 'admins');
