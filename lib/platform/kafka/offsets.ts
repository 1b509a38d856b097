import type { Kafka } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  /** first offset still in the log */
  lowWatermark: number;
  /** offset the next message will get */
  highWatermark: number;
  /** the group's committed offset (next to read), null when the group never committed on this partition */
  committedOffset: number | null;
  /** messages not yet processed by the group */
  lag: number;
}

export interface TopicLag {
  topic: string;
  groupId: string;
  partitions: PartitionLag[];
  totalLag: number;
}

/**
 * Consumer lag per partition: topic high watermark minus the group's committed offset (kafkajs admin fetchOffsets
 * vs fetchTopicOffsets). A partition the group has not committed on counts from the low watermark.
 */
export async function fetchConsumerLag(kafka: Kafka, topic: string, groupId: string): Promise<TopicLag> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // One after the other: concurrent requests on a fresh admin race its metadata load.
    const topicOffsets = await admin.fetchTopicOffsets(topic);
    const groupOffsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map(
      (groupOffsets.find((entry) => entry.topic === topic)?.partitions ?? []).map((p) => [
        p.partition,
        Number(p.offset),
      ]),
    );
    const partitions = topicOffsets
      .map((p): PartitionLag => {
        const low = Number(p.low);
        const high = Number(p.high);
        const offset = committed.get(p.partition);
        const committedOffset = offset === undefined || offset < 0 ? null : offset;
        return {
          partition: p.partition,
          lowWatermark: low,
          highWatermark: high,
          committedOffset,
          lag: Math.max(0, high - (committedOffset ?? low)),
        };
      })
      .sort((a, b) => a.partition - b.partition);
    return { topic, groupId, partitions, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0) };
  } finally {
    await admin.disconnect();
  }
}

/** Messages currently held by a topic (sum over partitions of high - low): the dead-letter count. */
export async function countMessages(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Math.max(0, Number(p.high) - Number(p.low)), 0);
  } finally {
    await admin.disconnect();
  }
}
