import { Partitioners, type Kafka, type Producer, type RetryOptions } from 'kafkajs';

/**
 * An idempotent producer: the broker de-duplicates the producer's own retries (producer id + sequence numbers), and
 * with acks=all (-1) an acknowledged message is on every in-sync replica. maxInFlightRequests 1 keeps retried
 * batches from overtaking each other, so per-partition (= per-account) order survives retries. The partitioner is
 * the Java client's murmur2, so every Kafka client agrees on which partition a key (accountId) lives in.
 */
export function createIdempotentProducer(kafka: Kafka, retry?: RetryOptions): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(retry && { retry }),
  });
}

/** acks=all for every send. */
export const ACKS_ALL = -1;
