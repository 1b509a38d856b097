/**
 * The emulator core: one event source mapping = one kafkajs consumer group (its consumerGroupId) feeding the batch
 * scheduler; every batch is encoded into the MSK / self-managed Kafka event, invoked synchronously through the given
 * `invoke(event) → response`, and its offsets are committed only once its records are handled (processed, or
 * dead-lettered after the retries). Independent of serverless: tests drive it with an in-process handler.
 */
import {
  Kafka,
  logLevel,
  PartitionAssigners,
  Partitioners,
  type Admin,
  type Consumer,
  type KafkaMessage,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import {
  InvocationUnavailableError,
  processBatch,
  TriggerStoppedError,
  type BackoffSettings,
  type InvokeOutcome,
} from './batch-processor';
import { subscriptionAwareAssigner } from './assigner';
import { sendToDeadLetterTopic } from './dead-letter';
import { buildEvent, type EventSource } from './encoding';
import { compileFilterCriteria, type RecordFilter } from './filter';
import { FunctionError, type Invoke } from './invoker';
import { BatchScheduler, systemClock, type Clock } from './scheduler';
import { silentLogger, type MappingConfig, type SourceRecord, type TriggerLogger } from './types';

export interface KafkaTriggerOptions {
  readonly mapping: MappingConfig;
  readonly brokers: readonly string[];
  readonly invoke: Invoke;
  readonly logger?: TriggerLogger;
  readonly clientId?: string;
  readonly backoff?: BackoffSettings;
  /** How long stop() waits for in-flight batches before leaving them uncommitted (default 8 s). */
  readonly shutdownGraceMs?: number;
  /** Create a missing on-failure destination topic (default true); otherwise start() fails. */
  readonly createDeadLetterTopic?: boolean;
  readonly consumer?: {
    readonly sessionTimeout?: number;
    readonly heartbeatInterval?: number;
    readonly rebalanceTimeout?: number;
    readonly maxWaitTimeInMs?: number;
  };
  readonly highWaterMark?: number;
  readonly maxPayloadBytes?: number;
  readonly clock?: Clock;
}

export interface TriggerStats {
  batches: number;
  records: number;
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  deadLettered: number;
  /** Records dropped by FilterCriteria (committed without an invocation). */
  filteredOut: number;
  /** Records that exhausted their retries with no on-failure destination (committed, not delivered anywhere). */
  discarded: number;
  commits: number;
  commitFailures: number;
  rebalances: number;
  assignedPartitions: number[];
  committed: Record<number, number>;
}

const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 200, maxMs: 5_000 };
/** How long stop() waits for the consumer, producer and admin clients to disconnect. */
const DISCONNECT_WAIT_MS = 2_000;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toSourceRecord(topic: string, partition: number, message: KafkaMessage, receivedAt: number): SourceRecord {
  const headers: Array<readonly [string, Buffer | null]> = [];
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      headers.push([
        name,
        item === undefined || item === null ? null : Buffer.isBuffer(item) ? item : Buffer.from(item),
      ]);
    }
  }
  // kafkajs keeps the record batch's timestamp type on each message (0 = CreateTime, 1 = LogAppendTime).
  const batchContext = (message as KafkaMessage & { batchContext?: { timestampType?: number } }).batchContext;
  const offset = Number(message.offset);
  if (!Number.isSafeInteger(offset))
    throw new Error(`offset ${message.offset} of ${topic}-${partition} is not a safe integer`);
  return {
    topic,
    partition,
    offset,
    timestamp: Number(message.timestamp),
    timestampType: batchContext?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
    receivedAt,
  };
}

// kafkajs' own table of broker error codes (not part of its typed API; the package has no `exports` map).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: ReadonlyArray<{ message: string; retriable: boolean }>;
};
const RETRIABLE_BROKER_ERRORS = new Set(errorCodes.filter((code) => code.retriable).map((code) => code.message));

function kafkaLogCreator(logger: TriggerLogger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, ...extra } = log;
      const text = `kafkajs ${namespace}: ${message}`;
      // kafkajs logs every error response before its retrier handles it (a coordinator still loading at start-up).
      const retriable = typeof extra.error === 'string' && RETRIABLE_BROKER_ERRORS.has(extra.error);
      if (level === logLevel.ERROR && !retriable) logger.error(text, extra);
      else if (level === logLevel.WARN) logger.warn(text, extra);
      else logger.debug(text, extra);
    };
}

export class KafkaTrigger {
  readonly mapping: MappingConfig;
  private readonly logger: TriggerLogger;
  private readonly clock: Clock;
  private readonly backoff: BackoffSettings;
  private readonly kafka: Kafka;
  private readonly scheduler: BatchScheduler;
  private readonly source: EventSource;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private stopping = false;
  private abandoned = false;
  private stopPromise: Promise<void> | null = null;
  private readonly stopWaiters = new Set<() => void>();
  private assigned = new Set<number>();
  private readonly committed = new Map<number, number>();
  private commitChain: Promise<void> = Promise.resolve();
  private joinedResolve: (() => void) | null = null;
  private joinedReject: ((error: Error) => void) | null = null;
  private restarting = false;
  /**
   * kafkajs silently drops commits until its runner is running (i.e. during a consumer's first join): commits wait
   * for the first fetch of the current consumer.
   */
  private consumerFetching = false;
  private recommitPending = false;
  /** Starting offsets still to apply to partitions without a committed offset (LATEST / AT_TIMESTAMP). */
  private initialPositions = new Map<number, number>();
  /** The consumer group existed when the mapping started (StartingPosition is then ignored). */
  private groupExisted = false;
  private readonly filter: RecordFilter | null;
  readonly stats: TriggerStats = {
    batches: 0,
    records: 0,
    invocations: 0,
    functionErrors: 0,
    partialFailures: 0,
    deadLettered: 0,
    filteredOut: 0,
    discarded: 0,
    commits: 0,
    commitFailures: 0,
    rebalances: 0,
    assignedPartitions: [],
    committed: {},
  };

  constructor(private readonly options: KafkaTriggerOptions) {
    this.mapping = options.mapping;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.filter = compileFilterCriteria(this.mapping.filterPatterns, `${this.mapping.logicalId}.FilterCriteria`);
    if (options.brokers.length === 0) throw new Error('KafkaTrigger needs at least one broker');
    this.source = {
      kind: this.mapping.kind,
      eventSourceArn: this.mapping.eventSourceArn,
      bootstrapServers: options.brokers,
    };
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'kafka-trigger',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(this.logger),
      retry: { initialRetryTime: 300, retries: 8 },
    });
    this.scheduler = new BatchScheduler({
      batchSize: this.mapping.batchSize,
      batchingWindowMs: this.mapping.batchingWindowMs,
      clock: this.clock,
      highWaterMark: options.highWaterMark,
      maxPayloadBytes: options.maxPayloadBytes,
      run: (batch) => this.runBatch(batch),
      onBackpressure: (topic, partition, paused) => {
        const consumer = this.consumer;
        if (!consumer) return;
        try {
          if (paused) consumer.pause([{ topic, partitions: [partition] }]);
          else consumer.resume([{ topic, partitions: [partition] }]);
        } catch (error) {
          this.logger.debug('pause/resume failed', { error: describe(error) });
        }
      },
      onRunError: (error, batch) => {
        if (error instanceof TriggerStoppedError) return;
        this.logger.error('Batch processing failed unexpectedly; its offsets stay uncommitted', {
          error: describe(error),
          records: batch.length,
        });
      },
    });
  }

  /** Connects, positions the group, and resolves once the consumer has joined its group. */
  async start(): Promise<void> {
    if (this.stopping) throw new TriggerStoppedError();
    const { topic, deadLetterTopic } = this.mapping;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    try {
      const partitions = await this.waitForTopic(this.admin, topic);
      if (deadLetterTopic !== null) await this.ensureDeadLetterTopic(this.admin, deadLetterTopic, partitions);
      this.initialPositions = await this.startingPositions(this.admin);
    } finally {
      await this.admin.disconnect().catch(() => undefined);
      this.admin = null;
    }
    if (this.stopping) throw new TriggerStoppedError();

    // acks=all per send; not idempotent: kafkajs only allows that with unbounded retries, and processBatch already
    // retries a failed dead-letter send itself (so the destination is at-least-once).
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();

    const joined = new Promise<void>((resolve, reject) => {
      this.joinedResolve = resolve;
      this.joinedReject = reject;
    });
    joined.catch(() => undefined); // observed below; stop() may reject it first
    await this.startConsumer();
    await joined;
    this.logger.info('Kafka trigger running', {
      function: this.mapping.functionName,
      topic,
      consumerGroupId: this.mapping.consumerGroupId,
      batchSize: this.mapping.batchSize,
      batchingWindowMs: this.mapping.batchingWindowMs,
      partitions: [...this.assigned],
    });
  }

  /** Stops fetching, lets in-flight batches finish (and commit) within the grace period, then disconnects. */
  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    for (const wake of this.stopWaiters) wake();
    this.stopWaiters.clear();
    this.joinedReject?.(new TriggerStoppedError());
    const grace = this.options.shutdownGraceMs ?? 8_000;
    if (!(await this.settlesWithin(this.scheduler.whenIdle(), grace))) {
      this.abandoned = true;
      this.logger.warn('In-flight Kafka batches did not finish in time; their offsets stay uncommitted', {
        function: this.mapping.functionName,
      });
    }
    await this.commitChain;
    // Bounded: when the broker is already gone (a terminal's Ctrl-C signals Kafka too), kafkajs would retry leaving
    // the group for a long while and keep serverless-offline from exiting.
    await this.settlesWithin(
      Promise.all([
        this.consumer
          ?.disconnect()
          .catch((error: unknown) => this.logger.debug('consumer disconnect', { error: describe(error) })),
        this.producer
          ?.disconnect()
          .catch((error: unknown) => this.logger.debug('producer disconnect', { error: describe(error) })),
        this.admin?.disconnect().catch(() => undefined),
      ]),
      DISCONNECT_WAIT_MS,
    );
  }

  /** Whether `work` settles within `ms` on the trigger's clock (it is not cancelled either way). */
  private async settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
    let cancel: () => void = () => undefined;
    const timedOut = new Promise<false>((resolve) => {
      cancel = this.clock.setTimer(() => resolve(false), ms);
    });
    try {
      return await Promise.race([work.then(() => true as const), timedOut]);
    } finally {
      cancel();
    }
  }

  /** A sleep that ends early (rejecting) when the trigger stops. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.reject(new TriggerStoppedError());
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        cancel();
        reject(new TriggerStoppedError());
      };
      const cancel = this.clock.setTimer(() => {
        this.stopWaiters.delete(wake);
        resolve();
      }, ms);
      this.stopWaiters.add(wake);
    });
  }

  private async waitForTopic(admin: Admin, topic: string): Promise<number> {
    let announced = false;
    for (;;) {
      if (this.stopping) throw new TriggerStoppedError();
      const topics = await admin.listTopics();
      if (topics.includes(topic)) {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const count = metadata.topics[0]?.partitions.length ?? 0;
        if (count > 0) return count;
      }
      if (!announced) {
        this.logger.warn(
          `Waiting for topic ${topic} to exist (topics are created by the project, never auto-created)`,
          {
            function: this.mapping.functionName,
          },
        );
        announced = true;
      }
      await this.sleep(1_000);
    }
  }

  private async ensureDeadLetterTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
    const topics = await admin.listTopics();
    if (topics.includes(topic)) return;
    if (this.options.createDeadLetterTopic === false) {
      throw new Error(`On-failure destination topic ${topic} does not exist`);
    }
    this.logger.warn(`Creating the missing on-failure destination topic ${topic} (${partitions} partitions)`);
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  }

  /**
   * AWS: "if Kafka finds a valid existing consumer group with the same ID, Lambda ignores the StartingPosition";
   * otherwise the position is fixed when the mapping is created. So for a new group: TRIM_HORIZON starts at the
   * earliest offsets, LATEST / AT_TIMESTAMP at the end of the log / the first offset at or after the timestamp,
   * looked up now and applied (seek + commit) when each partition is first assigned. For an existing group
   * (committed offsets or members) nothing is applied: its committed offsets are where it goes on.
   */
  private async startingPositions(admin: Admin): Promise<Map<number, number>> {
    const { topic, consumerGroupId, startingPosition, startingPositionTimestampMs } = this.mapping;
    const positions = new Map<number, number>();
    const { groups } = await admin.describeGroups([consumerGroupId]);
    this.groupExisted = groups.some((group) => group.groupId === consumerGroupId && group.state !== 'Dead');
    if (this.groupExisted) {
      this.logger.info(`Consumer group ${consumerGroupId} exists: StartingPosition ${startingPosition} is ignored`);
      return positions;
    }
    if (startingPosition === 'TRIM_HORIZON') return positions;
    const found =
      startingPosition === 'LATEST'
        ? (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high }))
        : await admin.fetchTopicOffsetsByTimestamp(topic, startingPositionTimestampMs ?? 0);
    for (const { partition, offset } of found) {
      if (Number(offset) >= 0) positions.set(partition, Number(offset));
    }
    return positions;
  }

  private async startConsumer(): Promise<void> {
    const { topic, consumerGroupId, startingPosition } = this.mapping;
    const settings = this.options.consumer ?? {};
    const consumer = this.kafka.consumer({
      groupId: consumerGroupId,
      // Honour each member's subscription (kafkajs' round robin does not); plain round robin stays as a fallback
      // protocol for groups that also have other kafkajs members.
      partitionAssigners: [subscriptionAwareAssigner, PartitionAssigners.roundRobin],
      allowAutoTopicCreation: false,
      // Heartbeats go on while batches run (eachBatch only buffers), so a short session is safe and lets a
      // restarted emulator take over a killed one's partitions quickly.
      sessionTimeout: settings.sessionTimeout ?? 10_000,
      heartbeatInterval: settings.heartbeatInterval ?? 3_000,
      rebalanceTimeout: settings.rebalanceTimeout ?? 60_000,
      maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 250,
    });
    this.consumer = consumer;
    this.consumerFetching = false;
    consumer.on(consumer.events.FETCH_START, () => {
      if (this.consumer !== consumer || this.consumerFetching) return;
      this.consumerFetching = true;
      if (this.recommitPending) this.recommitHandled();
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.stats.rebalances += 1;
      this.scheduler.hold(true);
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (this.consumer !== consumer) return;
      this.onAssignment(event.payload.memberAssignment[topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopping || this.consumer !== consumer) return;
      this.consumerFetching = false; // kafkajs restarts its runner: commits wait for its next fetch
      this.logger.error('Kafka consumer crashed', {
        error: describe(event.payload.error),
        restart: event.payload.restart,
      });
      if (!event.payload.restart) void this.restartConsumer(consumer);
    });
    await consumer.connect();
    // fromBeginning only applies to partitions without a committed offset. A new group's LATEST positions are applied
    // by seek + commit (startingPositions); an existing group's uncommitted partitions start at the earliest offset
    // (AWS does not say; nothing is skipped this way).
    await consumer.subscribe({ topics: [topic], fromBeginning: this.groupExisted || startingPosition !== 'LATEST' });
    await consumer.run({
      autoCommit: false,
      // Resolving moves the fetch position on; commits happen only when the batch is handled.
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 16,
      eachBatch: async ({ batch }) => {
        if (this.stopping || this.consumer !== consumer) return;
        const receivedAt = this.clock.now();
        const records = batch.messages.map((message) =>
          toSourceRecord(batch.topic, batch.partition, message, receivedAt),
        );
        this.scheduler.feed(records);
      },
    });
  }

  private async restartConsumer(crashed: Consumer): Promise<void> {
    if (this.restarting || this.stopping) return;
    this.restarting = true;
    this.scheduler.hold(true);
    try {
      await crashed.disconnect().catch(() => undefined);
      for (;;) {
        await this.sleep(2_000);
        try {
          await this.startConsumer();
          return;
        } catch (error) {
          this.logger.error('Kafka consumer restart failed; retrying', { error: describe(error) });
        }
      }
    } catch (error) {
      if (!(error instanceof TriggerStoppedError))
        this.logger.error('Kafka consumer restart aborted', { error: describe(error) });
    } finally {
      this.restarting = false;
    }
  }

  private onAssignment(partitions: number[]): void {
    this.assigned = new Set(partitions);
    this.stats.assignedPartitions = [...partitions].sort((a, b) => a - b);
    for (const partition of partitions) {
      const position = this.initialPositions.get(partition);
      if (position === undefined) continue;
      this.initialPositions.delete(partition);
      this.consumer?.seek({ topic: this.mapping.topic, partition, offset: String(position) });
      this.scheduler.markHandled(this.mapping.topic, partition, position);
    }
    // The consumer fetches again from the committed offsets: drop what was buffered (in-flight batches go on).
    for (const { topic, partition } of this.scheduler.dropPending()) {
      try {
        this.consumer?.resume([{ topic, partitions: [partition] }]);
      } catch {
        // not assigned any more
      }
    }
    // Commits that failed during the rebalance (and starting positions): make them where the partition is ours.
    if (this.consumerFetching) this.recommitHandled();
    else this.recommitPending = true;
    this.scheduler.hold(false);
    this.joinedResolve?.();
    this.joinedResolve = null;
    this.joinedReject = null;
  }

  private recommitHandled(): void {
    this.recommitPending = false;
    for (const partition of this.assigned) {
      const handled = this.scheduler.handledUpTo(this.mapping.topic, partition);
      if (handled > (this.committed.get(partition) ?? -1)) void this.commit(partition, handled);
    }
  }

  private commit(partition: number, nextOffset: number): Promise<void> {
    const task = async (): Promise<void> => {
      if (this.abandoned || nextOffset <= (this.committed.get(partition) ?? -1)) return;
      // Never commit for a partition that moved to another member: its new owner's position wins.
      if (!this.assigned.has(partition)) return;
      const consumer = this.consumer;
      if (!consumer) return;
      if (!this.consumerFetching) {
        this.recommitPending = true;
        return;
      }
      try {
        await consumer.commitOffsets([{ topic: this.mapping.topic, partition, offset: String(nextOffset) }]);
        this.committed.set(partition, nextOffset);
        this.stats.committed[partition] = nextOffset;
        this.stats.commits += 1;
      } catch (error) {
        this.stats.commitFailures += 1;
        this.logger.warn('Offset commit failed; it is made again after the next batch or rebalance', {
          partition,
          offset: nextOffset,
          error: describe(error),
        });
      }
    };
    this.commitChain = this.commitChain.then(task, task);
    return this.commitChain;
  }

  private async handled(records: readonly SourceRecord[]): Promise<void> {
    const next = new Map<number, number>();
    for (const record of records)
      next.set(record.partition, Math.max(next.get(record.partition) ?? -1, record.offset + 1));
    for (const [partition, offset] of next) {
      this.scheduler.markHandled(this.mapping.topic, partition, offset);
      await this.commit(partition, offset);
    }
  }

  private async invokeRecords(records: readonly SourceRecord[]): Promise<InvokeOutcome> {
    const event = buildEvent(this.source, records);
    try {
      const payload = await this.options.invoke(event);
      this.stats.invocations += 1;
      return { type: 'success', payload };
    } catch (error) {
      if (error instanceof InvocationUnavailableError) throw error;
      this.stats.invocations += 1;
      this.stats.functionErrors += 1;
      if (error instanceof FunctionError) {
        return { type: 'error', errorType: error.errorType, errorMessage: error.errorMessage };
      }
      const withType = error as { errorType?: unknown; name?: unknown; message?: unknown } | null;
      return {
        type: 'error',
        errorType:
          typeof withType?.errorType === 'string'
            ? withType.errorType
            : typeof withType?.name === 'string'
              ? withType.name
              : 'Error',
        errorMessage: typeof withType?.message === 'string' ? withType.message : String(error),
      };
    }
  }

  private async runBatch(fetched: SourceRecord[]): Promise<void> {
    this.stats.batches += 1;
    this.stats.records += fetched.length;
    const filter = this.filter;
    const batch = filter ? fetched.filter((record) => filter(record.value)) : fetched;
    const filteredOut = filter ? fetched.filter((record) => !batch.includes(record)) : [];
    if (batch.length > 0) {
      const summary = await processBatch(batch, this.mapping.retry, this.backoff, {
        invoke: (records) => this.invokeRecords(records),
        deadLetter: async (records, failure) => {
          const topic = this.mapping.deadLetterTopic;
          if (topic === null) {
            // AWS without a destination: the records are skipped once retries (or their age) run out.
            this.stats.discarded += records.length;
            this.logger.error('Records discarded (retries exhausted, no on-failure destination)', {
              reason: failure.reason,
              records: records.map((record) => `${record.topic}-${record.partition}@${record.offset}`),
            });
            return;
          }
          if (!this.producer) throw new Error('producer not connected');
          await sendToDeadLetterTopic(this.producer, topic, records);
          this.stats.deadLettered += records.length;
        },
        handled: (records) => this.handled(records),
        sleep: (ms) => this.sleep(ms),
        isStopping: () => this.stopping,
        now: () => this.clock.now(),
        logger: this.logger,
      });
      this.stats.partialFailures += summary.partialFailures;
    }
    if (filteredOut.length > 0) {
      // Committed only after the rest of the batch, so a commit never passes an unprocessed record.
      this.stats.filteredOut += filteredOut.length;
      await this.handled(filteredOut);
    }
  }
}

/** Creates and starts a trigger (resolves once its consumer joined the group). */
export async function startKafkaTrigger(options: KafkaTriggerOptions): Promise<KafkaTrigger> {
  const trigger = new KafkaTrigger(options);
  try {
    await trigger.start();
  } catch (error) {
    await trigger.stop();
    throw error;
  }
  return trigger;
}
