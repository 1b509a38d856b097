/**
 * The poller's batching: records fetched per partition wait here until a batch is full (batchSize records, or the
 * 6 MB payload limit) or the oldest waiting record has waited the batching window. A batch may hold several
 * partitions, each partition's records in offset order; a partition that has a batch in flight contributes nothing
 * until that batch is done (at most one in-flight batch per partition); batches of different partitions run
 * concurrently. No Kafka and no real time in here (the clock is injected), so it is unit-tested.
 */
import { estimateEncodedSize, MAX_PAYLOAD_BYTES } from './encoding';
import type { SourceRecord } from './types';
import { partitionKey } from './types';

export interface Clock {
  now(): number;
  /** Returns a cancel function. */
  setTimer(callback: () => void, ms: number): () => void;
  /** Runs the callback after the current burst of I/O callbacks (setImmediate), so one fetch lands as a whole. */
  defer(callback: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
  defer: (callback) => {
    setImmediate(callback);
  },
};

export interface SchedulerOptions {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly clock: Clock;
  /** Processes one batch; the partitions are freed when the promise settles. */
  readonly run: (batch: SourceRecord[]) => Promise<void>;
  /** Fetching of a partition should pause (buffer above the high-water mark) or resume. */
  readonly onBackpressure?: (topic: string, partition: number, paused: boolean) => void;
  readonly onRunError?: (error: unknown, batch: SourceRecord[]) => void;
  readonly maxPayloadBytes?: number;
  /** Buffered records per partition above which fetching pauses (default max(4 × batchSize, 500)). */
  readonly highWaterMark?: number;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  pending: SourceRecord[];
  inFlight: boolean;
  /** Every offset below this one was handled by this process (processed or dead-lettered). */
  handledUpTo: number;
  /** Next offset expected from the fetcher; older ones are duplicates of what is pending or in flight. */
  fedUpTo: number;
  paused: boolean;
}

const PAYLOAD_OVERHEAD_BYTES = 1024;

export class BatchScheduler {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly maxPayloadBytes: number;
  private readonly highWaterMark: number;
  private cancelTimer: (() => void) | null = null;
  private pumpQueued = false;
  private held = false;
  private stopped = false;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SchedulerOptions) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.highWaterMark = options.highWaterMark ?? Math.max(options.batchSize * 4, 500);
  }

  /** Adds fetched records of ONE partition (offset order). Duplicates of pending/in-flight/handled ones are dropped. */
  feed(records: readonly SourceRecord[]): void {
    if (records.length === 0 || this.stopped) return;
    const first = records[0]!;
    const state = this.state(first.topic, first.partition);
    for (const record of records) {
      if (record.offset < state.handledUpTo || record.offset < state.fedUpTo) continue;
      state.pending.push(record);
      state.fedUpTo = record.offset + 1;
    }
    if (!state.paused && state.pending.length >= this.highWaterMark) {
      state.paused = true;
      this.options.onBackpressure?.(state.topic, state.partition, true);
    }
    this.schedulePump();
  }

  /** Records below `nextOffset` of this partition are done. */
  markHandled(topic: string, partition: number, nextOffset: number): void {
    const state = this.state(topic, partition);
    if (nextOffset > state.handledUpTo) state.handledUpTo = nextOffset;
  }

  handledUpTo(topic: string, partition: number): number {
    return this.partitions.get(partitionKey(topic, partition))?.handledUpTo ?? -1;
  }

  /**
   * After a rebalance the consumer fetches again from the committed offsets: drop everything buffered (in-flight
   * batches go on; their records are filtered when they come again). Returns the partitions to resume.
   */
  dropPending(): Array<{ topic: string; partition: number }> {
    const resumed: Array<{ topic: string; partition: number }> = [];
    for (const state of this.partitions.values()) {
      state.pending = [];
      state.fedUpTo = -1;
      if (state.paused) {
        state.paused = false;
        resumed.push({ topic: state.topic, partition: state.partition });
      }
    }
    this.clearTimer();
    return resumed;
  }

  /** While held (a rebalance is in progress) no new batch starts. */
  hold(held: boolean): void {
    this.held = held;
    if (!held) this.schedulePump();
    else this.clearTimer();
  }

  /** No new batch starts after this; in-flight batches go on (see whenIdle). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  get inFlightBatches(): number {
    return this.running;
  }

  get pendingRecords(): number {
    let count = 0;
    for (const state of this.partitions.values()) count += state.pending.length;
    return count;
  }

  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private state(topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition);
    let state = this.partitions.get(key);
    if (!state) {
      state = { topic, partition, pending: [], inFlight: false, handledUpTo: -1, fedUpTo: -1, paused: false };
      this.partitions.set(key, state);
    }
    return state;
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    this.options.clock.defer(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Starts every batch that is due; arms the window timer for the rest. */
  pump(): void {
    this.clearTimer();
    while (!this.stopped && !this.held) {
      const candidates: PartitionState[] = [];
      let total = 0;
      for (const state of this.partitions.values()) {
        if (state.inFlight) continue;
        if (state.pending.length > 0 && state.pending[0]!.offset < state.handledUpTo) {
          state.pending = state.pending.filter((record) => record.offset >= state.handledUpTo);
        }
        if (state.pending.length === 0) continue;
        candidates.push(state);
        total += state.pending.length;
      }
      if (candidates.length === 0) return;

      candidates.sort(
        (a, b) =>
          a.pending[0]!.receivedAt - b.pending[0]!.receivedAt ||
          a.topic.localeCompare(b.topic) ||
          a.partition - b.partition,
      );
      const now = this.options.clock.now();
      const oldest = candidates[0]!.pending[0]!.receivedAt;
      const waited = now - oldest;
      if (total < this.options.batchSize && waited < this.options.batchingWindowMs) {
        this.cancelTimer = this.options.clock.setTimer(() => {
          this.cancelTimer = null;
          this.pump();
        }, this.options.batchingWindowMs - waited);
        return;
      }
      this.startBatch(candidates);
    }
  }

  private startBatch(candidates: PartitionState[]): void {
    const batch: SourceRecord[] = [];
    const used: PartitionState[] = [];
    let bytes = PAYLOAD_OVERHEAD_BYTES;
    let full = false;
    for (const state of candidates) {
      let take = 0;
      while (take < state.pending.length && batch.length < this.options.batchSize) {
        const record = state.pending[take]!;
        const size = estimateEncodedSize(record);
        if (batch.length > 0 && bytes + size > this.maxPayloadBytes) {
          full = true;
          break;
        }
        bytes += size;
        batch.push(record);
        take += 1;
      }
      if (take > 0) {
        state.pending.splice(0, take);
        state.inFlight = true;
        used.push(state);
        if (state.paused && state.pending.length <= this.highWaterMark / 2) {
          state.paused = false;
          this.options.onBackpressure?.(state.topic, state.partition, false);
        }
      }
      if (full || batch.length >= this.options.batchSize) break;
    }

    this.running += 1;
    const settle = (): void => {
      for (const state of used) state.inFlight = false;
      this.running -= 1;
      if (this.running === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
      this.schedulePump();
    };
    let promise: Promise<void>;
    try {
      promise = this.options.run(batch);
    } catch (error) {
      promise = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    promise
      .then(undefined, (error: unknown) => {
        try {
          this.options.onRunError?.(error, batch);
        } catch {
          // reporting must not keep the partitions busy
        }
      })
      .finally(settle);
  }
}
