import type { PoolClient } from 'pg';
import type { IncomingEvent } from './store';

/**
 * Records where each consumed event came from (topic, partition, offset of its first delivery) in
 * read_model.event_deliveries, inside the projector's transaction: the event explorer shows it next to the event.
 */
export async function recordDeliveries(tx: PoolClient, incoming: readonly IncomingEvent[]): Promise<void> {
  const delivered = incoming.filter((item) => item.source);
  if (delivered.length === 0) return;
  await tx.query(
    `INSERT INTO read_model.event_deliveries (event_id, topic, kafka_partition, kafka_offset)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      delivered.map((item) => item.event.eventId),
      delivered.map((item) => item.source!.topic),
      delivered.map((item) => item.source!.partition),
      delivered.map((item) => item.source!.offset),
    ],
  );
}
