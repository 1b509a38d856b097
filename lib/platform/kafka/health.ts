import { createKafka } from './client';

export const KAFKA_HEALTH_TIMEOUT_MS = 1_500;

/**
 * Asks the cluster for metadata with a throwaway client (same brokers and authentication as every other client):
 * no retries and short timeouts, since kafkajs' defaults take ~13 s to give up on a dead broker.
 */
export async function checkKafka(timeoutMs = KAFKA_HEALTH_TIMEOUT_MS): Promise<void> {
  const kafka = createKafka({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, retries: 0 });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
