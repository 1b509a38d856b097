import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../event-store';
import { ACCOUNT_STREAM_TYPE } from './relay';
import { isUuid } from '../../platform/uuid';

/** Where a dead letter is: its topic, partition and offset. */
export interface DeadLetterPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface RepublishAsk {
  /** the dead letter's event id (its event-id header), as it came: anything, until the store says otherwise */
  eventId: string;
  /** the topic to publish it on (the relay of that topic takes the request) */
  topic: string;
  deadLetter: DeadLetterPosition;
  /** who asked (the caller's username) */
  requestedBy: string;
}

export type RepublishAnswer =
  /** recorded: new, or asked again after a failure (its error cleared) */
  | { status: 'requested'; requestId: string; retried: boolean }
  /** this dead letter already has a pending or published request: nothing changed */
  | { status: 'already-requested'; requestId: string }
  /** the event store has no banking event with that id (a forged or damaged message): nothing recorded */
  | { status: 'not-in-store' };

/**
 * Records an admin's request to re-publish a dead letter's event (migrations/0012_republish_requests.sql). Only an
 * event of an account stream that the store holds is recorded; what the relay publishes is that stored event, never
 * the dead letter. One request per dead letter: a double submit finds the first, and asking again after a failure
 * clears its error so that the relay tries again.
 */
export async function requestRepublish(db: Queryable, ask: RepublishAsk): Promise<RepublishAnswer> {
  if (!isUuid(ask.eventId)) return { status: 'not-in-store' };
  const stored = await db.query('SELECT 1 FROM event_store.events WHERE event_id = $1::uuid AND stream_type = $2', [
    ask.eventId,
    ACCOUNT_STREAM_TYPE,
  ]);
  if (stored.rowCount === 0) return { status: 'not-in-store' };
  const recorded = await db.query<{ id: string; fresh: boolean }>(
    `INSERT INTO event_store.republish_requests AS r
       (id, event_id, topic, dead_letter_topic, dead_letter_partition, dead_letter_offset, requested_by)
     VALUES ($1, $2::uuid, $3, $4, $5, $6::bigint, $7)
     ON CONFLICT (dead_letter_topic, dead_letter_partition, dead_letter_offset) DO UPDATE
       SET error = NULL, requested_by = excluded.requested_by, requested_at = now()
       WHERE r.error IS NOT NULL
     RETURNING r.id, r.id = $1 AS fresh`,
    [
      randomUUID(),
      ask.eventId,
      ask.topic,
      ask.deadLetter.topic,
      ask.deadLetter.partition,
      ask.deadLetter.offset,
      ask.requestedBy,
    ],
  );
  const row = recorded.rows[0];
  if (row) return { status: 'requested', requestId: row.id, retried: !row.fresh };
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM event_store.republish_requests
      WHERE dead_letter_topic = $1 AND dead_letter_partition = $2 AND dead_letter_offset = $3::bigint`,
    [ask.deadLetter.topic, ask.deadLetter.partition, ask.deadLetter.offset],
  );
  return { status: 'already-requested', requestId: existing.rows[0]!.id };
}
