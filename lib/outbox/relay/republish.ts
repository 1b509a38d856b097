import type { Message } from 'kafkajs';
import type { Pool } from 'pg';
import { mapToIntegrationEvent, MappingError, type AccountFacts, type IntegrationEventWire } from '../contracts';
import { readStream, type StoredEvent } from '../../event-store';
import { EVENT_COLUMNS, toStoredEvent, type EventTuple } from '../../event-store/rows';
import { withTransaction } from '../../platform/db/pool';
import { REPUBLISH_HEADER } from '../../platform/kafka/headers';
import { logger } from '../../platform/observability/logger';
import { assertContract, toMessage } from './messages';
import type { ProducerHandle } from './producer-handle';

/** Requests handled per pass at most (each is one send and one short transaction). */
export const REPUBLISH_BATCH = 20;

export interface RepublishContext {
  pool: Pool;
  producer: ProducerHandle;
  topic: string;
  /** the relay's name: its lease fences what is recorded */
  relayName: string;
  /** the relay's own filter: a request for an event it does not publish is left to another relay */
  accepts: (event: StoredEvent) => boolean;
  sendTimeoutMs?: number | undefined;
}

/** The part of the relay's lease this needs: its fencing token and the local time it must be done by. */
export interface HeldLease {
  epoch: string;
  validUntil: number;
}

/** Runs `work` with what is left of the lease; false when the lease ran out first (the relay's withinLease). */
export type WithinLease = (work: (remainingMs: number) => Promise<unknown>) => Promise<boolean>;

export type RepublishOutcome = { status: 'done'; handled: number; more: boolean } | { status: 'lease-lost' };

const PENDING = `SELECT ${EVENT_COLUMNS}, r.request_id
  FROM (SELECT id AS request_id, event_id AS wanted, requested_at FROM event_store.republish_requests
         WHERE topic = $1 AND published_at IS NULL AND error IS NULL
         ORDER BY requested_at LIMIT $2) AS r
  JOIN event_store.events AS e ON e.event_id = r.wanted
 ORDER BY r.requested_at`;

/**
 * The relay's side of re-publishing dead letters (the requests of migrations/0012): under its lease, for each pending
 * request of its topic, the stored event is mapped exactly as the relay maps it (the account's facts folded from the
 * start of its stream, the contract checked), sent with the relay's key and headers plus REPUBLISH_HEADER, and the
 * request marked published with the partition and offset Kafka answered. An event that cannot be mapped marks the
 * request failed with the reason (asking again after a fix retries it). Both are recorded only while this holder's
 * lease holds (as the checkpoint update): a holder that lost it records nothing, and its send is repeated by the next
 * holder (at least once; the projector skips a version it has).
 */
export async function publishRequested(
  context: RepublishContext,
  lease: HeldLease,
  withinLease: WithinLease,
): Promise<RepublishOutcome> {
  const found = await context.pool.query<[...EventTuple, string]>({
    text: PENDING,
    rowMode: 'array',
    values: [context.topic, REPUBLISH_BATCH * 5],
  });
  const pending = found.rows
    .map((row) => ({ requestId: row[10], event: toStoredEvent(row, row[9]) }))
    .filter(({ event }) => context.accepts(event))
    .slice(0, REPUBLISH_BATCH);
  for (const { requestId, event } of pending) {
    const mapped = await mapFromStore(context.pool, event);
    if (!mapped.ok) {
      logger.error('Re-publish request failed: the stored event cannot be mapped', {
        relay: context.relayName,
        requestId,
        eventId: event.eventId,
        reason: mapped.reason,
      });
      if (!(await record(context, lease, requestId, { error: mapped.reason }))) return { status: 'lease-lost' };
      continue;
    }
    const message: Message = toMessage(event, mapped.event);
    message.headers = { ...message.headers, [REPUBLISH_HEADER]: requestId };
    let written: { partition: number; offset: string } | undefined;
    const sent = await withinLease(async (remainingMs) => {
      written = await context.producer.sendOne(
        context.topic,
        message,
        Math.min(remainingMs, context.sendTimeoutMs ?? Infinity),
      );
    });
    if (!sent || !written) {
      await context.producer.reset();
      return { status: 'lease-lost' };
    }
    if (!(await record(context, lease, requestId, { published: written }))) return { status: 'lease-lost' };
    logger.info('Re-published a dead letter event from the event store', {
      relay: context.relayName,
      requestId,
      eventId: event.eventId,
      accountId: event.streamId,
      streamVersion: event.streamVersion,
      ...written,
    });
  }
  return { status: 'done', handled: pending.length, more: pending.length === REPUBLISH_BATCH };
}

type Mapped = { ok: true; event: IntegrationEventWire } | { ok: false; reason: string };

/** The integration event the relay makes of `event`: its stream folded from version 1, the contract checked. */
async function mapFromStore(pool: Pool, event: StoredEvent): Promise<Mapped> {
  const history = await readStream(pool, event.streamId, { toVersion: event.streamVersion });
  let facts: AccountFacts | undefined;
  try {
    for (const stored of history) {
      const mapped = mapToIntegrationEvent(facts, stored);
      if (stored.eventId === event.eventId) {
        assertContract(stored, mapped.event);
        return { ok: true, event: mapped.event };
      }
      facts = mapped.facts;
    }
  } catch (error) {
    if (error instanceof MappingError) return { ok: false, reason: error.message };
    throw error;
  }
  return { ok: false, reason: `event ${event.eventId} is not in its stream's history` };
}

/** Records the outcome of a request if this holder's lease still holds (its row locked meanwhile); false if lost. */
async function record(
  context: RepublishContext,
  lease: HeldLease,
  requestId: string,
  outcome: { published: { partition: number; offset: string } } | { error: string },
): Promise<boolean> {
  const timeoutMs = Math.floor(lease.validUntil - Date.now());
  if (timeoutMs <= 0) return false;
  return withTransaction(
    context.pool,
    async (tx) => {
      const held = await tx.query(
        `SELECT set_config('idle_in_transaction_session_timeout', $3, true)
           FROM event_store.relay_checkpoints
          WHERE relay_name = $1 AND lease_epoch = $2::bigint AND lease_expires_at > clock_timestamp()
            FOR UPDATE`,
        [context.relayName, lease.epoch, String(timeoutMs)],
      );
      if (held.rowCount !== 1) return false;
      if ('published' in outcome) {
        await tx.query(
          `UPDATE event_store.republish_requests
              SET published_at = now(), published_partition = $2, published_offset = $3::bigint
            WHERE id = $1 AND published_at IS NULL AND error IS NULL`,
          [requestId, outcome.published.partition, outcome.published.offset],
        );
      } else {
        await tx.query(
          `UPDATE event_store.republish_requests SET error = $2
            WHERE id = $1 AND published_at IS NULL AND error IS NULL`,
          [requestId, outcome.error.slice(0, 2_000)],
        );
      }
      return true;
    },
    { statementTimeoutMs: timeoutMs },
  );
}
