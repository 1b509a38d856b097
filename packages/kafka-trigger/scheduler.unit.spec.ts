import { BatchScheduler, type Clock } from './scheduler';
import { records } from './testing/fixtures';
import type { SourceRecord } from './types';

/** A manual clock: time moves only when the test says so; deferred work runs on flush(). */
class ManualClock implements Clock {
  time = 0;
  private timers: Array<{ at: number; callback: () => void; cancelled: boolean }> = [];
  private deferred: Array<() => void> = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  defer(callback: () => void): void {
    this.deferred.push(callback);
  }

  flush(): void {
    while (this.deferred.length > 0) this.deferred.shift()!();
  }

  advance(ms: number): void {
    this.time += ms;
    for (const timer of this.timers.filter((t) => !t.cancelled && t.at <= this.time)) {
      timer.cancelled = true;
      timer.callback();
    }
    this.flush();
  }
}

interface Harness {
  clock: ManualClock;
  scheduler: BatchScheduler;
  batches: SourceRecord[][];
  finish(index: number): Promise<void>;
  backpressure: Array<[number, boolean]>;
}

function harness(options: {
  batchSize: number;
  windowMs: number;
  highWaterMark?: number;
  maxPayloadBytes?: number;
}): Harness {
  const clock = new ManualClock();
  const batches: SourceRecord[][] = [];
  const resolvers: Array<() => void> = [];
  const backpressure: Array<[number, boolean]> = [];
  const scheduler = new BatchScheduler({
    batchSize: options.batchSize,
    batchingWindowMs: options.windowMs,
    clock,
    highWaterMark: options.highWaterMark,
    maxPayloadBytes: options.maxPayloadBytes,
    run: (batch) => {
      batches.push(batch);
      return new Promise<void>((resolve) => resolvers.push(resolve));
    },
    onBackpressure: (_topic, partition, paused) => backpressure.push([partition, paused]),
  });
  return {
    clock,
    scheduler,
    batches,
    backpressure,
    finish: async (index) => {
      resolvers[index]!();
      // let the settle callbacks run, then the deferred pump
      await new Promise((resolve) => setImmediate(resolve));
      clock.flush();
    },
  };
}

const offsets = (batch: SourceRecord[] | undefined): string[] => (batch ?? []).map((r) => `${r.partition}:${r.offset}`);

describe('BatchScheduler', () => {
  it('given fewer records than batchSize, when the window has not passed, then nothing is invoked; when it passes, one batch', () => {
    const { clock, scheduler, batches } = harness({ batchSize: 10, windowMs: 500 });

    scheduler.feed(records(0, 0, 3));
    clock.flush();
    clock.advance(499);
    expect(batches).toHaveLength(0);

    clock.advance(1);
    expect(batches.map(offsets)).toEqual([['0:0', '0:1', '0:2']]);
  });

  it('given batchSize records, when fed, then the batch starts at once without waiting for the window', () => {
    const { clock, scheduler, batches } = harness({ batchSize: 3, windowMs: 10_000 });

    scheduler.feed(records(0, 0, 7));
    clock.flush();

    expect(batches.map(offsets)).toEqual([['0:0', '0:1', '0:2']]);
  });

  it('given a partition with a batch in flight, when more of its records arrive, then none is dispatched until it settles', async () => {
    const h = harness({ batchSize: 3, windowMs: 100 });
    h.scheduler.feed(records(0, 0, 3));
    h.clock.flush();

    h.scheduler.feed(records(0, 3, 5));
    h.clock.advance(1_000);
    expect(h.batches).toHaveLength(1);

    h.scheduler.markHandled('events', 0, 3);
    await h.finish(0);
    expect(h.batches.map(offsets)).toEqual([
      ['0:0', '0:1', '0:2'],
      ['0:3', '0:4', '0:5'],
    ]);
  });

  it('given records of several partitions, when the window passes, then one batch holds them all (oldest partition first), each in offset order', () => {
    const { clock, scheduler, batches } = harness({ batchSize: 100, windowMs: 50 });

    scheduler.feed(records(0, 10, 2, { receivedAt: 0 }));
    scheduler.feed(records(2, 5, 2, { receivedAt: 1 }));
    scheduler.feed(records(1, 0, 1, { receivedAt: 2 }));
    clock.advance(50);

    expect(batches.map(offsets)).toEqual([['0:10', '0:11', '2:5', '2:6', '1:0']]);
  });

  it('given one partition busy, when another partition has due records, then it gets its own concurrent batch', () => {
    const { clock, scheduler, batches } = harness({ batchSize: 2, windowMs: 50 });
    scheduler.feed(records(0, 0, 2));
    clock.flush();

    scheduler.feed(records(1, 0, 1));
    clock.advance(50);

    expect(batches.map(offsets)).toEqual([['0:0', '0:1'], ['1:0']]);
    expect(scheduler.inFlightBatches).toBe(2);
  });

  it('given duplicates of pending or handled records (a refetch), when fed, then they are dropped', async () => {
    const h = harness({ batchSize: 2, windowMs: 10 });
    h.scheduler.feed(records(0, 0, 2));
    h.clock.flush();
    h.scheduler.markHandled('events', 0, 2);
    await h.finish(0);

    h.scheduler.feed(records(0, 0, 3));
    h.clock.advance(10);

    expect(h.batches.map(offsets)).toEqual([['0:0', '0:1'], ['0:2']]);
  });

  it('given a rebalance while a batch is in flight, when its records come again after dropPending, then they are not invoked twice', async () => {
    const h = harness({ batchSize: 2, windowMs: 10 });
    h.scheduler.feed(records(0, 0, 4));
    h.clock.flush();
    expect(h.batches.map(offsets)).toEqual([['0:0', '0:1']]);

    h.scheduler.dropPending();
    h.scheduler.feed(records(0, 0, 4)); // refetched from the committed offset 0
    h.scheduler.markHandled('events', 0, 2);
    await h.finish(0);

    expect(h.batches.map(offsets)).toEqual([
      ['0:0', '0:1'],
      ['0:2', '0:3'],
    ]);
  });

  it('given a hold (rebalance in progress), when records are due, then nothing starts until released', () => {
    const { clock, scheduler, batches } = harness({ batchSize: 1, windowMs: 0 });
    scheduler.hold(true);

    scheduler.feed(records(0, 0, 1));
    clock.advance(100);
    expect(batches).toHaveLength(0);

    scheduler.hold(false);
    clock.flush();
    expect(batches).toHaveLength(1);
  });

  it('given more buffered records than the high-water mark, when fed, then the partition pauses and resumes once drained', async () => {
    const h = harness({ batchSize: 2, windowMs: 0, highWaterMark: 4 });

    h.scheduler.feed(records(0, 0, 5));
    expect(h.backpressure).toEqual([[0, true]]);
    h.clock.flush(); // takes 2, 3 left > 4/2
    h.scheduler.markHandled('events', 0, 2);
    await h.finish(0); // takes 2 more, 1 left ≤ 2 → resume

    expect(h.backpressure).toEqual([
      [0, true],
      [0, false],
    ]);
  });

  it('given records whose payload would exceed the size limit, when batched, then the batch is cut before the limit', () => {
    const big = records(0, 0, 3, { value: Buffer.alloc(3_000, 1) });
    const { clock, scheduler, batches } = harness({ batchSize: 100, windowMs: 0, maxPayloadBytes: 10_000 });

    scheduler.feed(big);
    clock.flush();

    expect(batches.map((batch) => batch.length)).toEqual([2]);
  });

  it('given stop, when records are due, then no batch starts and whenIdle waits for the in-flight one', async () => {
    const h = harness({ batchSize: 1, windowMs: 0 });
    h.scheduler.feed(records(0, 0, 2));
    h.clock.flush();
    h.scheduler.stop();
    let idle = false;
    const waiting = h.scheduler.whenIdle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);

    await h.finish(0);
    await waiting;

    expect(idle).toBe(true);
    expect(h.batches).toHaveLength(1);
  });
});
