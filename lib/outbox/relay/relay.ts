import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import {
  integrationEventSchema,
  mapToIntegrationEvent,
  MappingError,
  type AccountFacts,
  type IntegrationEventWire,
} from '../contracts';
import { withTransaction } from '../../platform/db/pool';
import { readAll, readStream, type Checkpoint, type StoredEvent } from '../../event-store';
import { DLQ_HEADER, eventHeaders, HEADER, JSON_CONTENT_TYPE } from '../../platform/kafka/headers';
import { logger } from '../../platform/observability/logger';
import type { ProducerHandle } from './producer-handle';

/** Stream type of the accounts' streams; other stream types in the store are not banking events and not relayed. */
export const ACCOUNT_STREAM_TYPE = 'account';

// First key of the two-integer advisory lock: our namespace, apart from the event store's stream locks.
export const RELAY_LOCK_NAMESPACE = 0x52_4c_41_59; // 'RLAY'

export interface RelayOptions {
  pool: Pool;
  producer: ProducerHandle;
  topic: string;
  /** Checkpoint name (default: the topic): one checkpoint and one lease per name. */
  name?: string;
  /** Events per pass (one readAll, one Kafka send, one checkpoint update). */
  batchSize?: number;
  /** Broker-side ack timeout per send. */
  sendTimeoutMs?: number;
  /**
   * The pass holds a transaction open while Kafka acknowledges; if the process is frozen or killed meanwhile (a
   * Lambda returning before a background pass ends), PostgreSQL ends that transaction after this long, releasing
   * the lease. Nothing is lost: the checkpoint only moves on commit.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Which stored events this relay publishes (default: the account streams). Others are passed over, and the
   * checkpoint moves past them. Tests narrow it to their own accounts.
   */
  accepts?: (event: StoredEvent) => boolean;
  /**
   * Where events that cannot be mapped go (with the reason), their stream being quarantined: see
   * migrations/0004_relay.sql. Without it such an event stops the relay (every pass fails on it).
   */
  deadLetterTopic?: string;
  /** Runs before each send (e.g. ensureTopicsOnce: the topic is never auto-created). */
  beforeSend?: () => Promise<unknown>;
}

export type PassResult =
  { status: 'busy' } | { status: 'idle' } | { status: 'relayed'; events: number; checkpoint: Checkpoint };

export interface DrainResult {
  passes: number;
  events: number;
  /** why it stopped */
  stoppedBecause: 'idle' | 'busy' | 'deadline' | 'max-passes';
}

interface Quarantine {
  streamId: string;
  eventId: string;
  streamVersion: number;
  reason: string;
}

interface FactsRow {
  stream_id: string;
  version: number;
  account_number: string;
  account_name: string;
  owner_name: string;
  balance: string;
}

export function relayLockKey(name: string): number {
  return createHash('sha256').update(`relay:${name}`).digest().readInt32BE(0);
}

/**
 * The outbox relay: the event store is the outbox. One pass, in one transaction:
 *   1. take the relay's lease (`pg_try_advisory_xact_lock`, transaction-scoped, so it works behind RDS Proxy and dies
 *      with the transaction); another relay holding it → 'busy', nothing done;
 *   2. read the checkpoint and the next events in gap-free order (event store `readAll`);
 *   3. map them to integration events, folding each account's facts (names, balance) forward exactly;
 *   4. send them (idempotent producer, acks=all, key = accountId) and wait for the acknowledgement;
 *   5. only then write the facts and advance the checkpoint, and commit.
 * A failure anywhere rolls back: the same events are sent again by the next pass (at-least-once, in order).
 */
export class Relay {
  readonly name: string;
  private readonly batchSize: number;
  private checkpointRowEnsured = false;

  constructor(private readonly options: RelayOptions) {
    this.name = options.name ?? options.topic;
    this.batchSize = options.batchSize ?? 500;
  }

  /** Passes until nothing is left, another relay holds the lease, or the deadline / pass budget is reached. */
  async drain(limits: { deadline?: number; maxPasses?: number; waitForLease?: boolean } = {}): Promise<DrainResult> {
    const result: DrainResult = { passes: 0, events: 0, stoppedBecause: 'idle' };
    for (let busyWaitMs = 20; ;) {
      if (limits.maxPasses !== undefined && result.passes >= limits.maxPasses) {
        result.stoppedBecause = 'max-passes';
        return result;
      }
      if (limits.deadline !== undefined && Date.now() >= limits.deadline) {
        result.stoppedBecause = 'deadline';
        return result;
      }
      const pass = await this.runPass();
      result.passes += 1;
      if (pass.status === 'busy' && limits.waitForLease) {
        // Another holder drains now, but its last look may have come just before our caller's commit: wait for the
        // lease (the holder ends, or its lease expires) and look ourselves.
        await delay(Math.min(busyWaitMs, Math.max(0, (limits.deadline ?? Infinity) - Date.now())));
        busyWaitMs = Math.min(busyWaitMs * 2, 500);
        continue;
      }
      if (pass.status !== 'relayed') {
        result.stoppedBecause = pass.status;
        return result;
      }
      result.events += pass.events;
    }
  }

  /** Disconnects the producer (a later pass reconnects). */
  async close(): Promise<void> {
    await this.options.producer.reset();
  }

  async runPass(): Promise<PassResult> {
    await this.ensureCheckpointRow();
    const { pool, producer, topic } = this.options;
    return withTransaction(pool, async (tx) => {
      await tx.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)", [
        String(this.options.idleInTransactionTimeoutMs ?? 15_000),
      ]);
      const lease = await tx.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1::int, $2::int) AS locked',
        [RELAY_LOCK_NAMESPACE, relayLockKey(this.name)],
      );
      if (!lease.rows[0]?.locked) return { status: 'busy' };

      // No FOR UPDATE: it would give this transaction an id before readAll (holding back its own horizon); the lease
      // already makes this relay the only writer of its rows.
      const current = await tx.query<{ transaction_id: string; global_position: string }>(
        `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position
           FROM event_store.relay_checkpoints WHERE relay_name = $1`,
        [this.name],
      );
      const row = current.rows[0];
      if (!row) throw new Error(`Relay checkpoint ${this.name} is missing`);
      const after: Checkpoint = { transactionId: row.transaction_id, globalPosition: row.global_position };

      const { events, checkpoint } = await readAll(tx, { after, limit: this.batchSize });
      if (events.length === 0) return { status: 'idle' };

      const accepts = this.options.accepts ?? ((event: StoredEvent) => event.streamType === ACCOUNT_STREAM_TYPE);
      const accountEvents = events.filter(accepts);
      const streamIds = [...new Set(accountEvents.map((event) => event.streamId))];
      const facts = await this.loadFacts(tx, streamIds);
      const quarantine = await this.loadQuarantine(tx, streamIds);
      const outgoing = await this.toMessages(tx, accountEvents, facts, quarantine);

      if (outgoing.messages.length > 0 || outgoing.deadLetters.length > 0) {
        await this.options.beforeSend?.();
        await producer.sendBatch(
          [
            { topic, messages: outgoing.messages },
            ...(this.options.deadLetterTopic
              ? [{ topic: this.options.deadLetterTopic, messages: outgoing.deadLetters }]
              : []),
          ],
          this.options.sendTimeoutMs,
        );
      }

      await this.saveFacts(tx, outgoing.changed);
      await this.saveQuarantine(tx, outgoing.quarantined);
      await tx.query(
        `UPDATE event_store.relay_checkpoints
            SET transaction_id = $2::xid8, global_position = $3::bigint,
                events_relayed = events_relayed + $4, updated_at = now()
          WHERE relay_name = $1`,
        [this.name, checkpoint.transactionId, checkpoint.globalPosition, outgoing.messages.length],
      );
      logger.debug('Relay pass', {
        relay: this.name,
        read: events.length,
        sent: outgoing.messages.length,
        deadLettered: outgoing.deadLetters.length,
        checkpoint,
      });
      return { status: 'relayed', events: outgoing.messages.length, checkpoint };
    });
  }

  private async ensureCheckpointRow(): Promise<void> {
    if (this.checkpointRowEnsured) return;
    // Its own statement, outside the pass transaction (which must not write before readAll).
    await this.options.pool.query(
      'INSERT INTO event_store.relay_checkpoints (relay_name) VALUES ($1) ON CONFLICT (relay_name) DO NOTHING',
      [this.name],
    );
    this.checkpointRowEnsured = true;
  }

  private async loadFacts(tx: PoolClient, streamIds: string[]): Promise<Map<string, AccountFacts>> {
    if (streamIds.length === 0) return new Map();
    const result = await tx.query<FactsRow>(
      `SELECT stream_id, version, account_number, account_name, owner_name, balance::text AS balance
         FROM event_store.relay_stream_facts WHERE relay_name = $1 AND stream_id = ANY($2::text[])`,
      [this.name, streamIds],
    );
    return new Map(
      result.rows.map((row) => [
        row.stream_id,
        {
          accountId: row.stream_id,
          accountNumber: row.account_number,
          accountName: row.account_name,
          ownerName: row.owner_name,
          balance: Number(row.balance),
          version: row.version,
        },
      ]),
    );
  }

  private async loadQuarantine(tx: PoolClient, streamIds: string[]): Promise<Map<string, Quarantine>> {
    if (streamIds.length === 0) return new Map();
    const result = await tx.query<{ stream_id: string; event_id: string; stream_version: number; reason: string }>(
      `SELECT stream_id, event_id, stream_version, reason FROM event_store.relay_quarantine
        WHERE relay_name = $1 AND stream_id = ANY($2::text[])`,
      [this.name, streamIds],
    );
    return new Map(
      result.rows.map((row) => [
        row.stream_id,
        { streamId: row.stream_id, eventId: row.event_id, streamVersion: row.stream_version, reason: row.reason },
      ]),
    );
  }

  /**
   * Maps events in order. Per stream, readAll yields versions in order; should an event ever arrive ahead of its
   * predecessors (a relay restarted with lost facts, or an ordering bug upstream), the missing versions are read
   * from the stream and sent first, and their later copies in the global order are skipped: on Kafka each
   * account's versions stay strictly increasing. An event that cannot be mapped quarantines its stream (when a
   * dead-letter topic is configured): it and the stream's later events are dead-lettered with the reason.
   */
  private async toMessages(
    tx: PoolClient,
    events: StoredEvent[],
    facts: Map<string, AccountFacts>,
    quarantine: Map<string, Quarantine>,
  ): Promise<{
    messages: Message[];
    deadLetters: Message[];
    changed: Map<string, AccountFacts>;
    quarantined: Quarantine[];
  }> {
    const messages: Message[] = [];
    const deadLetters: Message[] = [];
    const changed = new Map<string, AccountFacts>();
    const quarantined: Quarantine[] = [];
    const emit = (event: StoredEvent): void => {
      const held = quarantine.get(event.streamId);
      if (held) {
        deadLetters.push(
          toDeadLetter(
            event,
            `stream quarantined since version ${held.streamVersion} (${held.eventId}): ${held.reason}`,
          ),
        );
        return;
      }
      try {
        const mapped = mapToIntegrationEvent(facts.get(event.streamId), event);
        assertContract(event, mapped.event);
        facts.set(event.streamId, mapped.facts);
        changed.set(event.streamId, mapped.facts);
        messages.push(toMessage(event, mapped.event));
      } catch (error) {
        if (!(error instanceof MappingError) || !this.options.deadLetterTopic) throw error;
        const entry = {
          streamId: event.streamId,
          eventId: event.eventId,
          streamVersion: event.streamVersion,
          reason: error.message,
        };
        logger.error('Relay quarantined an account stream: its event cannot be mapped', { relay: this.name, ...entry });
        quarantine.set(event.streamId, entry);
        quarantined.push(entry);
        deadLetters.push(toDeadLetter(event, error.message));
      }
    };
    for (const event of events) {
      const held = quarantine.get(event.streamId);
      if (held) {
        if (event.streamVersion > held.streamVersion) emit(event);
        continue;
      }
      const known = facts.get(event.streamId)?.version ?? 0;
      if (event.streamVersion <= known) continue;
      if (event.streamVersion > known + 1) {
        logger.warn('Relay filling a stream gap from the event store', {
          relay: this.name,
          streamId: event.streamId,
          from: known + 1,
          to: event.streamVersion - 1,
        });
        const missing = await readStream(tx, event.streamId, {
          fromVersion: known + 1,
          toVersion: event.streamVersion - 1,
        });
        for (const earlier of missing) emit(earlier);
      }
      emit(event);
    }
    return { messages, deadLetters, changed, quarantined };
  }

  private async saveQuarantine(tx: PoolClient, entries: Quarantine[]): Promise<void> {
    for (const entry of entries) {
      await tx.query(
        `INSERT INTO event_store.relay_quarantine (relay_name, stream_id, event_id, stream_version, reason)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (relay_name, stream_id) DO NOTHING`,
        [this.name, entry.streamId, entry.eventId, entry.streamVersion, entry.reason.slice(0, 2_000)],
      );
    }
  }

  private async saveFacts(tx: PoolClient, changed: Map<string, AccountFacts>): Promise<void> {
    if (changed.size === 0) return;
    const rows = [...changed.values()];
    await tx.query(
      `INSERT INTO event_store.relay_stream_facts AS f
         (relay_name, stream_id, version, account_number, account_name, owner_name, balance)
       SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[])
       ON CONFLICT (relay_name, stream_id) DO UPDATE SET
         version = excluded.version, account_number = excluded.account_number, account_name = excluded.account_name,
         owner_name = excluded.owner_name, balance = excluded.balance`,
      [
        this.name,
        rows.map((r) => r.accountId),
        rows.map((r) => r.version),
        rows.map((r) => r.accountNumber),
        rows.map((r) => r.accountName),
        rows.map((r) => r.ownerName),
        rows.map((r) => String(r.balance)),
      ],
    );
  }
}

/** The relay refuses to publish what its own consumers would reject: it stops (loudly) instead. */
function assertContract(source: StoredEvent, event: IntegrationEventWire): void {
  const parsed = integrationEventSchema.safeParse(event);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new MappingError(source.eventId, source.streamId, source.streamVersion, `violates the contract: ${reason}`);
  }
}

function metadataString(metadata: unknown, key: string): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A stored event that could not be relayed, as it is in the store, with the reason. */
export function toDeadLetter(source: StoredEvent, reason: string): Message {
  const correlationId = metadataString(source.metadata, 'correlationId');
  return {
    key: source.streamId,
    value: JSON.stringify(source),
    headers: {
      [DLQ_HEADER.reason]: reason.slice(0, 2_000),
      [DLQ_HEADER.consumer]: 'relay',
      [DLQ_HEADER.failedAt]: new Date().toISOString(),
      [HEADER.eventId]: source.eventId,
      [HEADER.eventType]: source.type,
      [HEADER.contentType]: JSON_CONTENT_TYPE,
      ...(correlationId && { [HEADER.correlationId]: correlationId }),
    },
  };
}

export function toMessage(source: StoredEvent, event: IntegrationEventWire): Message {
  const correlationId = metadataString(source.metadata, 'correlationId');
  // The first message of a request is caused by the request itself (causation id = correlation id).
  const causationId = metadataString(source.metadata, 'causationId') ?? correlationId;
  return {
    key: event.accountId,
    value: JSON.stringify(event),
    headers: eventHeaders({
      eventType: event.eventType,
      eventId: event.eventId,
      schemaVersion: event.schemaVersion,
      correlationId,
      causationId,
    }),
  };
}
