import { setTimeout as delay } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { mapToIntegrationEvent, MappingError, type AccountFacts } from '../contracts';
import { withTransaction } from '../../platform/db/pool';
import { readAll, readStream, type Checkpoint, type StoredEvent } from '../../event-store';
import { logger } from '../../platform/observability/logger';
import { count, emitMetrics, METRIC } from '../../platform/observability/metrics';
import { assertContract, toDeadLetter, toMessage } from './messages';
import type { ProducerHandle } from './producer-handle';
import { publishRequested, type RepublishContext } from './republish';

/** Stream type of the accounts' streams; other stream types in the store are not banking events and not relayed. */
export const ACCOUNT_STREAM_TYPE = 'account';

export const DEFAULT_LEASE_MS = 10_000;
/** A pass stops waiting this long before its lease ends, so that its checkpoint update still finds it valid. */
const LEASE_MARGIN_MS = 250;
/** Before looking again after an idle pass (lookAgain): what commits meanwhile goes in one pass, not one each. */
const LOOK_AGAIN_PAUSE_MS = 10;

export interface RelayOptions {
  pool: Pool;
  producer: ProducerHandle;
  topic: string;
  /** Checkpoint name (default: the topic): one checkpoint and one lease per name. */
  name?: string;
  /** Events per pass (one readAll, one Kafka send, one checkpoint update). */
  batchSize?: number;
  /** Broker-side ack timeout per send (at most what is left of the lease). */
  sendTimeoutMs?: number;
  /**
   * How long the lease lasts after each acquisition or renewal (one per pass). A holder that is frozen, killed or
   * slow loses it after this long; another relay then takes over. Every wait of a pass is bounded by it.
   */
  leaseMs?: number;
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
  /** Runs once per drain with the producer, before the lease (e.g. ensureTopicsOnce: topics are never auto-created). */
  prepare?: () => Promise<unknown>;
}

export type PassResult =
  { status: 'idle' } | { status: 'lease-lost' } | { status: 'relayed'; events: number; checkpoint: Checkpoint };

export interface DrainResult {
  passes: number;
  events: number;
  /** why it stopped */
  stoppedBecause: 'idle' | 'busy' | 'lease-lost' | 'deadline' | 'max-passes';
}

/** A held lease: its fencing token and the local time by which this holder must have finished with it. */
export interface Lease {
  epoch: string;
  /** Date.now() scale; conservative (taken before the database set the expiry). */
  validUntil: number;
}

export interface DrainLimits {
  deadline?: number;
  maxPasses?: number;
  /** Wait for a busy lease (its holder finishes, or its lease expires) until the deadline. */
  waitForLease?: boolean;
  /** Asked after an idle pass: true → look again (same lease) shortly, for commits the caller heard of meanwhile. */
  lookAgain?: () => boolean;
}

class LeaseLost extends Error {
  override name = 'LeaseLost';
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

interface PassInput {
  after: Checkpoint;
  events: StoredEvent[];
  checkpoint: Checkpoint;
  messages: Message[];
  deadLetters: Message[];
  changed: Map<string, AccountFacts>;
  quarantined: Quarantine[];
}

/**
 * The outbox relay: the event store is the outbox. A drain connects to Kafka, then takes the relay's lease (a row:
 * expiry by the database clock, epoch = fencing token; busy if another holder's lease has not expired), then runs
 * passes until nothing is left, each:
 *   1. renews the lease (lost → stop); on the drain's first pass (and when asked to look again) publishes the dead
 *      letters admins asked to re-publish (./republish.ts);
 *   2. reads the checkpoint and the next events in gap-free order (event store `readAll`), in a short read-only
 *      transaction, and maps them to integration events, folding each account's facts (names, balance) forward;
 *   3. sends them (idempotent producer, acks=all, key = accountId) and waits for the acknowledgement, at most until
 *      the lease ends;
 *   4. in one short transaction writes the facts and moves the checkpoint from where it read it to what it sent,
 *      only if its epoch still holds an unexpired lease (else nothing is written: lease lost).
 * A failure anywhere leaves the checkpoint where it was: the same events are sent again by the next pass (at least
 * once). No transaction stays open while Kafka is waited for, so a frozen holder holds nothing but its lease, which
 * expires. Kafka ordering: docs/guarantees.md ("Kafka ordering").
 */
export class Relay {
  readonly name: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private checkpointRowEnsured = false;
  private readonly accepts: (event: StoredEvent) => boolean;
  /**
   * Re-publish requests are looked for when a drain starts and when it is asked to look again (a form hands off to
   * the relay after recording one), and then until none is left: not on every pass of a busy drain.
   */
  private requestsToCheck = true;

  constructor(private readonly options: RelayOptions) {
    this.name = options.name ?? options.topic;
    this.batchSize = options.batchSize ?? 500;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.accepts = options.accepts ?? ((event) => event.streamType === ACCOUNT_STREAM_TYPE);
  }

  /**
   * Passes until nothing is left, the lease is lost, or the deadline / pass budget is reached. With waitForLease, a
   * busy lease is waited for (its holder finishes, or its lease expires) until the deadline: the holder's last look
   * may have come just before the caller's commit.
   */
  async drain(limits: DrainLimits = {}): Promise<DrainResult> {
    const result = await this.drainUntilStopped(limits);
    emitMetrics([count(METRIC.relayEventsPublished, result.events)]);
    return result;
  }

  private async drainUntilStopped(limits: DrainLimits): Promise<DrainResult> {
    const result: DrainResult = { passes: 0, events: 0, stoppedBecause: 'idle' };
    const deadline = limits.deadline ?? Infinity;
    await this.ensureCheckpointRow();
    // Kafka first: a slow connection (cold MSK, IAM auth) must not eat into a lease.
    await this.options.producer.connect();
    await this.options.prepare?.();
    let lease: Lease | undefined;
    for (let pauseMs = 20; !(lease = await this.acquireLease()); pauseMs = Math.min(pauseMs * 2, 500)) {
      if (!limits.waitForLease || Date.now() >= deadline) {
        result.stoppedBecause = 'busy';
        return result;
      }
      await delay(Math.max(0, Math.min(pauseMs, deadline - Date.now())));
    }
    this.requestsToCheck = true;
    try {
      for (;;) {
        if (limits.maxPasses !== undefined && result.passes >= limits.maxPasses) {
          result.stoppedBecause = 'max-passes';
          return result;
        }
        if (Date.now() >= deadline) {
          result.stoppedBecause = 'deadline';
          return result;
        }
        const pass = await this.runPass(lease);
        result.passes += 1;
        if (pass.status === 'idle' && limits.lookAgain?.() && Date.now() + LOOK_AGAIN_PAUSE_MS < deadline) {
          this.requestsToCheck = true;
          await delay(LOOK_AGAIN_PAUSE_MS);
          continue;
        }
        if (pass.status !== 'relayed') {
          result.stoppedBecause = pass.status;
          return result;
        }
        result.events += pass.events;
      }
    } finally {
      await this.releaseLease(lease);
    }
  }

  /** Disconnects the producer (a later drain reconnects). */
  async close(): Promise<void> {
    await this.options.producer.reset();
  }

  /** Takes the lease if it is free or expired: a new epoch, expiring leaseMs from now by the database clock. */
  async acquireLease(): Promise<Lease | undefined> {
    const asked = Date.now();
    const taken = await this.options.pool.query<{ epoch: string }>(
      `UPDATE event_store.relay_checkpoints
          SET lease_epoch = lease_epoch + 1, lease_expires_at = clock_timestamp() + make_interval(secs => $2 / 1000.0)
        WHERE relay_name = $1 AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())
        RETURNING lease_epoch::text AS epoch`,
      [this.name, this.leaseMs],
    );
    const epoch = taken.rows[0]?.epoch;
    return epoch === undefined ? undefined : { epoch, validUntil: asked + this.leaseMs - LEASE_MARGIN_MS };
  }

  /** One pass under `lease` (renewed first). A lease that runs out at any step ends it as 'lease-lost'. */
  async runPass(lease: Lease): Promise<PassResult> {
    try {
      return await this.passUnder(lease);
    } catch (error) {
      if (error instanceof LeaseLost) return { status: 'lease-lost' };
      throw error;
    }
  }

  private async passUnder(lease: Lease): Promise<PassResult> {
    if (!(await this.renewLease(lease))) return { status: 'lease-lost' };
    if (this.requestsToCheck) {
      const republished = await publishRequested(this.republishContext(), lease, (work) =>
        this.withinLease(lease, work),
      );
      if (republished.status === 'lease-lost') return republished;
      this.requestsToCheck = republished.more;
    }
    const input = await this.read(lease);
    if (input.events.length === 0) {
      return this.requestsToCheck ? { status: 'relayed', events: 0, checkpoint: input.checkpoint } : { status: 'idle' };
    }
    const { producer, topic } = this.options;
    if (input.messages.length > 0 || input.deadLetters.length > 0) {
      const sent = await this.withinLease(lease, (timeoutMs) =>
        producer.sendBatch(
          [
            { topic, messages: input.messages },
            ...(this.options.deadLetterTopic
              ? [{ topic: this.options.deadLetterTopic, messages: input.deadLetters }]
              : []),
          ],
          Math.min(timeoutMs, this.options.sendTimeoutMs ?? Infinity),
        ),
      );
      if (!sent) {
        // The send may still be in flight: a fresh producer for the next holder's sake (see ProducerHandle).
        await producer.reset();
        logger.warn('Relay pass outlived its lease while Kafka acknowledged; another relay takes over', {
          relay: this.name,
          epoch: lease.epoch,
        });
        return { status: 'lease-lost' };
      }
    }
    if (!(await this.commit(lease, input))) {
      logger.warn('Relay lease lost before the checkpoint moved; the checkpoint is left to the new holder', {
        relay: this.name,
        epoch: lease.epoch,
      });
      return { status: 'lease-lost' };
    }
    logger.debug('Relay pass', {
      relay: this.name,
      epoch: lease.epoch,
      read: input.events.length,
      sent: input.messages.length,
      deadLettered: input.deadLetters.length,
      checkpoint: input.checkpoint,
    });
    return { status: 'relayed', events: input.messages.length, checkpoint: input.checkpoint };
  }

  /** What re-publishing dead letters (./republish.ts) needs of this relay: its producer, topic, name and filter. */
  private republishContext(): RepublishContext {
    return {
      pool: this.options.pool,
      producer: this.options.producer,
      topic: this.options.topic,
      relayName: this.name,
      accepts: this.accepts,
      sendTimeoutMs: this.options.sendTimeoutMs,
    };
  }

  /** Renews the lease once half of it is used (one statement saved on most passes); false when it is lost. */
  private async renewLease(lease: Lease): Promise<boolean> {
    const left = lease.validUntil - Date.now();
    if (left <= 0) return false;
    if (left > this.leaseMs / 2) return true;
    const asked = Date.now();
    const renewed = await this.options.pool.query(
      `UPDATE event_store.relay_checkpoints
          SET lease_expires_at = clock_timestamp() + make_interval(secs => $3 / 1000.0)
        WHERE relay_name = $1 AND lease_epoch = $2::bigint AND lease_expires_at > clock_timestamp()`,
      [this.name, lease.epoch, this.leaseMs],
    );
    if (renewed.rowCount !== 1) return false;
    lease.validUntil = asked + this.leaseMs - LEASE_MARGIN_MS;
    return true;
  }

  private async releaseLease(lease: Lease): Promise<void> {
    await this.options.pool
      .query(
        `UPDATE event_store.relay_checkpoints SET lease_expires_at = NULL
          WHERE relay_name = $1 AND lease_epoch = $2::bigint`,
        [this.name, lease.epoch],
      )
      .catch((error: unknown) => {
        logger.warn('Relay lease not released; it expires by itself', { relay: this.name, error });
      });
  }

  /** Runs `work` with what is left of the lease; false when the lease ran out first. */
  private async withinLease(lease: Lease, work: (remainingMs: number) => Promise<unknown>): Promise<boolean> {
    const remaining = lease.validUntil - Date.now();
    if (remaining <= 0) return false;
    const expired = new AbortController();
    const running = work(remaining);
    try {
      return await Promise.race([
        running.then(() => true),
        delay(remaining, undefined, { signal: expired.signal }).then(() => false),
      ]);
    } finally {
      expired.abort();
      // A send abandoned at the lease's end fails later (its producer is reset): nothing is waiting for it then.
      running.catch(() => undefined);
    }
  }

  /** Timeouts of a pass's transaction: statements and idle time within what is left of the lease. */
  private transactionTimeoutMs(lease: Lease): number {
    const remaining = Math.floor(lease.validUntil - Date.now());
    if (remaining <= 0) throw new LeaseLost(`lease ${lease.epoch} of relay ${this.name} ran out`);
    return remaining;
  }

  /** Checkpoint, next events, and what to send, in one read-only transaction (nothing written: see readAll). */
  private async read(lease: Lease): Promise<PassInput> {
    const timeoutMs = this.transactionTimeoutMs(lease);
    return withTransaction(
      this.options.pool,
      async (tx) => {
        this.handleClientErrors(tx);
        const current = await tx.query<{ transaction_id: string; global_position: string }>(
          `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position,
                  set_config('idle_in_transaction_session_timeout', $2, true) AS idle_timeout
             FROM event_store.relay_checkpoints WHERE relay_name = $1`,
          [this.name, String(timeoutMs)],
        );
        const row = current.rows[0];
        if (!row) throw new Error(`Relay checkpoint ${this.name} is missing`);
        const after: Checkpoint = { transactionId: row.transaction_id, globalPosition: row.global_position };
        const { events, checkpoint } = await readAll(tx, { after, limit: this.batchSize });
        const empty = { messages: [], deadLetters: [], changed: new Map(), quarantined: [] };
        if (events.length === 0) return { after, events, checkpoint, ...empty };
        const accountEvents = events.filter(this.accepts);
        const streamIds = [...new Set(accountEvents.map((event) => event.streamId))];
        const facts = await this.loadFacts(tx, streamIds);
        const quarantine = await this.loadQuarantine(tx, streamIds);
        const outgoing = await this.toMessages(tx, accountEvents, facts, quarantine);
        return { after, events, checkpoint, ...outgoing };
      },
      { statementTimeoutMs: timeoutMs },
    );
  }

  /**
   * Facts, quarantine and checkpoint in one transaction, fenced: the checkpoint UPDATE names this holder's epoch, an
   * unexpired lease, and the position this pass read. No row → lease lost → everything rolled back.
   */
  private async commit(lease: Lease, input: PassInput): Promise<boolean> {
    const timeoutMs = this.transactionTimeoutMs(lease);
    try {
      await withTransaction(
        this.options.pool,
        async (tx) => {
          this.handleClientErrors(tx);
          await tx.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)", [String(timeoutMs)]);
          await this.saveFacts(tx, input.changed);
          await this.saveQuarantine(tx, input.quarantined);
          const moved = await tx.query(
            `UPDATE event_store.relay_checkpoints
                SET transaction_id = $4::xid8, global_position = $5::bigint,
                    events_relayed = events_relayed + $6, updated_at = now()
              WHERE relay_name = $1 AND lease_epoch = $2::bigint AND lease_expires_at > clock_timestamp()
                AND transaction_id = $3::xid8 AND global_position = $7::bigint
                AND ($4::xid8, $5::bigint) >= ($3::xid8, $7::bigint)`,
            [
              this.name,
              lease.epoch,
              input.after.transactionId,
              input.checkpoint.transactionId,
              input.checkpoint.globalPosition,
              input.messages.length,
              input.after.globalPosition,
            ],
          );
          if (moved.rowCount !== 1) throw new LeaseLost(`lease ${lease.epoch} of relay ${this.name} lost`);
        },
        { statementTimeoutMs: timeoutMs },
      );
      return true;
    } catch (error) {
      if (error instanceof LeaseLost) return false;
      throw error;
    }
  }

  /**
   * A connection the server ends while this pass holds it (idle-in-transaction timeout, failover, a terminated
   * backend) emits 'error' on the client; unhandled, that is an uncaught exception in whatever invocation runs then.
   * The pending or next query fails instead, and the pass with it.
   */
  private handleClientErrors(client: PoolClient): void {
    if (client.listenerCount('error') > 0) return;
    client.on('error', (error) => logger.warn('Relay database connection lost', { relay: this.name, error }));
  }

  private async ensureCheckpointRow(): Promise<void> {
    if (this.checkpointRowEnsured) return;
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
