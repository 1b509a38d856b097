import { Kafka, logLevel } from 'kafkajs';
import { getConfig } from '../config/env';

export const KAFKA_HEALTH_TIMEOUT_MS = 1_500;

/**
 * Asks the cluster for metadata with a throwaway client: no retries and short timeouts (kafkajs' defaults take
 * ~13 s to give up on a dead broker), and no logging of its own (the caller reports the failure).
 */
export async function checkKafka(timeoutMs = KAFKA_HEALTH_TIMEOUT_MS): Promise<void> {
  const config = getConfig();
  if (!config.KAFKA_BROKERS?.length) throw new Error('KAFKA_BROKERS is not configured');
  const kafka = new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}-health`,
    brokers: config.KAFKA_BROKERS,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
