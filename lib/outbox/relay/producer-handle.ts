import type { Kafka, Message, Producer, RetryOptions } from 'kafkajs';
import { ACKS_ALL, createIdempotentProducer } from '../../platform/kafka/producer';

/**
 * A lazily connected idempotent producer that is thrown away after any failure: after a failed send an idempotent
 * producer's sequence numbers may be out of step with the broker, and a fresh producer (new producer id) is the
 * simple, safe way back. Whatever it had sent but not confirmed is sent again by the relay (duplicates are removed by
 * the consumers' per-account version check).
 */
export class ProducerHandle {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly retry?: RetryOptions,
  ) {}

  async send(topic: string, messages: Message[], timeoutMs = 30_000): Promise<void> {
    await this.sendBatch([{ topic, messages }], timeoutMs);
  }

  /** One request per broker for several topics; resolves once every message is acknowledged (acks=all). */
  async sendBatch(topicMessages: Array<{ topic: string; messages: Message[] }>, timeoutMs = 30_000): Promise<void> {
    const nonEmpty = topicMessages.filter((entry) => entry.messages.length > 0);
    if (nonEmpty.length === 0) return;
    const producer = await this.connected();
    try {
      await producer.sendBatch({ topicMessages: nonEmpty, acks: ACKS_ALL, timeout: timeoutMs });
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  /** One message, acknowledged (acks=all): the partition and offset Kafka wrote it at. */
  async sendOne(topic: string, message: Message, timeoutMs = 30_000): Promise<{ partition: number; offset: string }> {
    const producer = await this.connected();
    let answer: Awaited<ReturnType<Producer['send']>>;
    try {
      answer = await producer.send({ topic, messages: [message], acks: ACKS_ALL, timeout: timeoutMs });
    } catch (error) {
      await this.reset();
      throw error;
    }
    const written = answer[0];
    if (!written?.baseOffset) throw new Error(`Kafka acknowledged the message on ${topic} without an offset`);
    return { partition: written.partition, offset: written.baseOffset };
  }

  async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Connects now (the relay does before taking its lease); a connected handle resolves at once. */
  async connect(): Promise<void> {
    await this.connected();
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const producer = createIdempotentProducer(this.kafka, this.retry);
      try {
        await producer.connect();
      } catch (error) {
        this.connecting = undefined;
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }
}
