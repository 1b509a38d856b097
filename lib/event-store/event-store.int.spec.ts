import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool, withTransaction } from '../platform/db/pool';
import { afterDatabaseClockPasses } from '../platform/db/testing';
import {
  ConcurrencyConflictError,
  DuplicateEventIdError,
  START_CHECKPOINT,
  appendToStream,
  appendToStreams,
  loadStream,
  lockStreams,
  readAll,
  readSnapshot,
  readStream,
  readStreamVersion,
  writeSnapshot,
  type Checkpoint,
  type StoredEvent,
  type StreamAppend,
} from './index';

let pool: Pool;

beforeAll(() => {
  pool = createPool({ max: 20 });
});

afterAll(async () => {
  await pool.end();
});

const newStreamId = (label = 'stream') => `es-test-${label}-${randomUUID()}`;
const event = (n: number) => ({ type: 'Happened', data: { n }, metadata: { correlationId: `c-${n}` } });
const append = (streamId: string, expectedVersion: StreamAppend['expectedVersion'], count = 1): StreamAppend => ({
  streamId,
  streamType: 'thing',
  expectedVersion,
  events: Array.from({ length: count }, (_, index) => event(index + 1)),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('appendToStreams', () => {
  it('given no stream, when appending with no_stream, then versions start at 1 and read back in order', async () => {
    const streamId = newStreamId();

    const [result] = await appendToStreams(pool, [append(streamId, 'no_stream', 3)]);

    expect(result).toEqual({
      streamId,
      nextExpectedVersion: 3,
      positions: [expect.any(String), expect.any(String), expect.any(String)],
    });
    const positions = result!.positions.map(BigInt);
    expect(positions[0]! < positions[1]! && positions[1]! < positions[2]!).toBe(true);
    const events = await readStream(pool, streamId);
    expect(events.map((e) => [e.streamVersion, e.type, e.data, e.metadata, e.streamType])).toEqual([
      [1, 'Happened', { n: 1 }, { correlationId: 'c-1' }, 'thing'],
      [2, 'Happened', { n: 2 }, { correlationId: 'c-2' }, 'thing'],
      [3, 'Happened', { n: 3 }, { correlationId: 'c-3' }, 'thing'],
    ]);
    expect(events.map((e) => e.globalPosition)).toEqual(result!.positions);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    expect(await readStreamVersion(pool, streamId)).toBe(3);
  });

  it('given a stream at version 3, when appending with expected 3, then it continues at 4', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 3));

    const result = await appendToStream(pool, append(streamId, 3, 2));

    expect(result.nextExpectedVersion).toBe(5);
    expect((await readStream(pool, streamId)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it('given a stream at version 2, when appending with a stale expected version, then a typed conflict and nothing written', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 2));

    const error = await rejection(appendToStream(pool, append(streamId, 1)));

    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    expect(error).toMatchObject({ streamId, expected: 1, actual: 2, reason: 'version' });
    expect(await readStreamVersion(pool, streamId)).toBe(2);
  });

  it('given an existing stream, when appending with no_stream, then a conflict naming the actual version', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 2));

    await expect(appendToStream(pool, append(streamId, 'no_stream'))).rejects.toMatchObject({
      name: 'ConcurrencyConflictError',
      streamId,
      expected: 'no_stream',
      actual: 2,
    });
  });

  it('given no stream, when appending with an expected version, then a conflict with actual 0', async () => {
    const streamId = newStreamId();

    await expect(appendToStream(pool, append(streamId, 4))).rejects.toMatchObject({ streamId, expected: 4, actual: 0 });
    expect(await readStreamVersion(pool, streamId)).toBeNull();
  });

  it("given 'any', when appending to a missing and then an existing stream, then both succeed", async () => {
    const streamId = newStreamId();

    expect((await appendToStream(pool, append(streamId, 'any', 2))).nextExpectedVersion).toBe(2);
    expect((await appendToStream(pool, append(streamId, 'any'))).nextExpectedVersion).toBe(3);
  });

  it('given several streams, when one expected version is wrong, then nothing is appended to any of them', async () => {
    const first = newStreamId('a');
    const second = newStreamId('b');
    await appendToStream(pool, append(second, 'no_stream'));

    const error = await rejection(appendToStreams(pool, [append(first, 'no_stream'), append(second, 5)]));

    expect(error).toMatchObject({ name: 'ConcurrencyConflictError', streamId: second, expected: 5, actual: 1 });
    expect(await readStreamVersion(pool, first)).toBeNull();
    expect(await readStreamVersion(pool, second)).toBe(1);
  });

  it('given several streams, when appending in one call, then each gets its own versions and positions', async () => {
    const first = newStreamId('a');
    const second = newStreamId('b');
    await appendToStream(pool, append(first, 'no_stream', 2));

    const results = await withTransaction(pool, (tx) =>
      appendToStreams(tx, [append(second, 'no_stream', 1), append(first, 2, 2)]),
    );

    expect(results.map((r) => [r.streamId, r.nextExpectedVersion, r.positions.length])).toEqual([
      [second, 1, 1],
      [first, 4, 2],
    ]);
    expect((await readStream(pool, first)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
  });

  it('given an event id already stored, when appending it again, then DuplicateEventIdError', async () => {
    const eventId = randomUUID();
    await appendToStream(pool, { ...append(newStreamId(), 'no_stream'), events: [{ ...event(1), eventId }] });

    await expect(
      appendToStream(pool, { ...append(newStreamId(), 'no_stream'), events: [{ ...event(1), eventId }] }),
    ).rejects.toBeInstanceOf(DuplicateEventIdError);
  });

  it('given a client outside a transaction, when appending, then it is refused', async () => {
    const client = await pool.connect();
    try {
      await expect(appendToStream(client, append(newStreamId(), 'no_stream'))).rejects.toThrow(/withTransaction/);
    } finally {
      client.release();
    }
  });

  it('given a transaction that rolls back, when it appended, then nothing remains', async () => {
    const streamId = newStreamId();

    await expect(
      withTransaction(pool, async (tx) => {
        await appendToStream(tx, append(streamId, 'no_stream'));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');

    expect(await readStream(pool, streamId)).toEqual([]);
  });

  it('given concurrent creators of one stream, when all append with no_stream, then exactly one succeeds', async () => {
    const streamId = newStreamId();

    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => appendToStream(pool, append(streamId, 'no_stream'))),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConcurrencyConflictError);
    }
    expect(await readStreamVersion(pool, streamId)).toBe(1);
  });

  it('given 16 writers with checked versions on one stream, then versions stay contiguous and every loser conflicts', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream'));

    const outcomes = await Promise.allSettled(
      Array.from({ length: 16 }, async () => {
        const version = (await readStreamVersion(pool, streamId)) ?? 0;
        return appendToStream(pool, append(streamId, version));
      }),
    );

    const succeeded = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(succeeded).toBeGreaterThanOrEqual(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConcurrencyConflictError);
    }
    const versions = (await readStream(pool, streamId)).map((e) => e.streamVersion);
    expect(versions).toEqual(Array.from({ length: succeeded + 1 }, (_, i) => i + 1));
  });

  it('given crossing multi-stream appends in transactions, when run concurrently, then no deadlock', async () => {
    const a = newStreamId('a');
    const b = newStreamId('b');
    await appendToStreams(pool, [append(a, 'no_stream'), append(b, 'no_stream')]);

    // 'any' + lockStreams: writers queue on the pair instead of conflicting; A-first and B-first alike.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withTransaction(pool, async (tx) => {
          const pair = i % 2 === 0 ? [a, b] : [b, a];
          await lockStreams(tx, pair);
          return appendToStreams(
            tx,
            pair.map((streamId) => append(streamId, 'any')),
          );
        }),
      ),
    );

    expect(await readStreamVersion(pool, a)).toBe(21);
    expect(await readStreamVersion(pool, b)).toBe(21);
  });
});

describe('the transaction-order rule', () => {
  it('given a transaction that wrote before reading, when a newer transaction appended meanwhile, then it is refused', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream'));
    const older = await pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // takes its transaction id now, before reading

      await appendToStream(pool, append(streamId, 1)); // a newer transaction commits version 2
      const version = (await readStreamVersion(older, streamId)) ?? 0; // read after taking the id: 2

      // Appending version 3 with the older id would invert versions 2 and 3 in readAll's order.
      await expect(
        older.query(
          `SELECT * FROM event_store.append_to_streams($1::text[], '{thing}', $2::int[], '{1}', ARRAY[gen_random_uuid()],
                   '{Happened}', ARRAY['{}'::jsonb], ARRAY['{}'::jsonb])`,
          [[streamId], [version]],
        ),
      ).rejects.toMatchObject({ code: 'ES409' });
    } finally {
      await older.query('ROLLBACK');
      older.release();
    }
    expect(await readStreamVersion(pool, streamId)).toBe(2);
  });

  it('given the same situation through the TypeScript API, then ConcurrencyConflictError with reason transaction_order', async () => {
    const streamId = newStreamId();
    const other = newStreamId('other');
    await appendToStream(pool, append(streamId, 'no_stream'));

    const error = await rejection(
      withTransaction(pool, async (tx) => {
        await appendToStream(tx, append(other, 'no_stream')); // writes first: takes the transaction id
        await appendToStream(pool, append(streamId, 1)); // a newer transaction commits version 2
        const version = (await readStreamVersion(tx, streamId)) ?? 0;
        await appendToStream(tx, append(streamId, version));
      }),
    );

    expect(error).toMatchObject({ name: 'ConcurrencyConflictError', streamId, reason: 'transaction_order' });
  });
});

describe('readStream', () => {
  it('given a stream, when reading a version range with a limit, then only that slice', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 10));

    const slice = await readStream(pool, streamId, { fromVersion: 3, toVersion: 8, limit: 4 });

    expect(slice.map((e) => e.streamVersion)).toEqual([3, 4, 5, 6]);
  });

  it('given events over time, when reading until an instant, then only events stored by then', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 2));
    const [second] = await readStream(pool, streamId, { fromVersion: 2 });
    await afterDatabaseClockPasses(pool, second!.createdAt);
    await appendToStream(pool, append(streamId, 2, 2));

    const until = await readStream(pool, streamId, { until: second!.createdAt });

    expect(until.map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('given an unknown stream, then [] and a null version', async () => {
    const streamId = newStreamId();
    expect(await readStream(pool, streamId)).toEqual([]);
    expect(await readStreamVersion(pool, streamId)).toBeNull();
  });
});

describe('snapshots', () => {
  it('given snapshots at 2 and 4, when reading at or below 3, then the one at 2', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 5));
    await withTransaction(pool, async (tx) => {
      await writeSnapshot(tx, { streamId, version: 2, schemaVersion: 1, state: { total: 2 } });
      await writeSnapshot(tx, { streamId, version: 4, schemaVersion: 1, state: { total: 4 } });
    });

    expect(await readSnapshot(pool, streamId, { schemaVersion: 1, atOrBelow: 3 })).toEqual({
      streamId,
      version: 2,
      schemaVersion: 1,
      state: { total: 2 },
    });
    expect((await readSnapshot(pool, streamId, { schemaVersion: 1 }))?.version).toBe(4);
    expect(await readSnapshot(pool, streamId, { schemaVersion: 2 })).toBeNull();
  });

  it('given a client outside a transaction, when writing a snapshot, then it is refused', async () => {
    const client = await pool.connect();
    try {
      await expect(
        writeSnapshot(client as never, { streamId: newStreamId(), version: 1, schemaVersion: 1, state: {} }),
      ).rejects.toThrow(/withTransaction/);
    } finally {
      client.release();
    }
  });

  it('given a snapshot, when loading, then the snapshot and only the events after it, in one result', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 7));
    await withTransaction(pool, (tx) =>
      writeSnapshot(tx, { streamId, version: 5, schemaVersion: 1, state: { total: 5 } }),
    );

    const latest = await loadStream(pool, streamId, { snapshotSchemaVersion: 1 });
    const atFour = await loadStream(pool, streamId, { snapshotSchemaVersion: 1, toVersion: 4 });
    const otherShape = await loadStream(pool, streamId, { snapshotSchemaVersion: 9 });

    expect(latest.snapshot).toMatchObject({ version: 5, state: { total: 5 } });
    expect(latest.events.map((e) => e.streamVersion)).toEqual([6, 7]);
    expect(atFour.snapshot).toBeNull();
    expect(atFour.events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
    expect(otherShape.snapshot).toBeNull();
    expect(otherShape.events).toHaveLength(7);
  });

  it('given a snapshot, when loading until an instant before it, then the snapshot is not used', async () => {
    const streamId = newStreamId();
    await appendToStream(pool, append(streamId, 'no_stream', 2));
    const [second] = await readStream(pool, streamId, { fromVersion: 2 });
    await afterDatabaseClockPasses(pool, second!.createdAt);
    await appendToStream(pool, append(streamId, 2, 3));
    await withTransaction(pool, (tx) => writeSnapshot(tx, { streamId, version: 4, schemaVersion: 1, state: {} }));

    const loaded = await loadStream(pool, streamId, { snapshotSchemaVersion: 1, until: second!.createdAt });

    expect(loaded.snapshot).toBeNull();
    expect(loaded.events.map((e) => e.streamVersion)).toEqual([1, 2]);
  });
});

describe('readAll', () => {
  // The visible horizon is cluster-wide: another session's open transaction (any database) holds it back for a
  // moment. Tests therefore wait for what they expect instead of assuming it is visible right after a commit.
  const DEADLINE_MS = 30_000;

  async function readFrom(prefix: string, after: Checkpoint, limit = 1000) {
    const seen: StoredEvent[] = [];
    let checkpoint = after;
    for (;;) {
      const batch = await readAll(pool, { after: checkpoint, limit });
      seen.push(...batch.events.filter((e) => e.streamId.startsWith(prefix)));
      checkpoint = batch.checkpoint;
      if (batch.events.length < limit) return { seen, checkpoint };
    }
  }

  /** Follows readAll from `after` until `count` events of `prefix` arrived (or the deadline passed). */
  async function follow(prefix: string, after: Checkpoint, count: number, limit = 1000) {
    const seen: StoredEvent[] = [];
    let checkpoint = after;
    const deadline = Date.now() + DEADLINE_MS;
    while (seen.length < count && Date.now() < deadline) {
      const batch = await readFrom(prefix, checkpoint, limit);
      seen.push(...batch.seen);
      checkpoint = batch.checkpoint;
      if (seen.length < count) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { seen, checkpoint };
  }

  const label = (prefix: string, e: StoredEvent) => `${e.streamId.slice(prefix.length)}:${e.streamVersion}`;

  it('given appended events, when reading all in small batches, then each once, in append order per stream', async () => {
    const prefix = newStreamId('readall');
    const { checkpoint: head } = await readFrom(prefix, START_CHECKPOINT);
    await appendToStream(pool, append(`${prefix}-1`, 'no_stream', 3));
    await appendToStreams(pool, [append(`${prefix}-2`, 'no_stream', 2), append(`${prefix}-1`, 3, 1)]);

    const { seen, checkpoint } = await follow(prefix, head, 6, 2);

    expect(seen.map((e) => label(prefix, e))).toEqual(['-1:1', '-1:2', '-1:3', '-2:1', '-2:2', '-1:4']);
    expect((await readFrom(prefix, checkpoint)).seen).toEqual([]);
  });

  it('given a transaction still open, then its events and every later one wait until it ends', async () => {
    const prefix = newStreamId('readall-open');
    const { checkpoint: head } = await readFrom(prefix, START_CHECKPOINT);
    const open = await pool.connect();
    try {
      await open.query('BEGIN');
      await open.query(
        `SELECT * FROM event_store.append_to_streams($1::text[], '{thing}', '{0}', '{1}', ARRAY[gen_random_uuid()],
                 '{Happened}', ARRAY['{}'::jsonb], ARRAY['{}'::jsonb])`,
        [[`${prefix}-slow`]],
      );
      await appendToStream(pool, append(`${prefix}-fast`, 'no_stream')); // a later transaction that commits first

      expect((await readFrom(prefix, head)).seen).toEqual([]);

      await open.query('COMMIT');
    } finally {
      open.release();
    }
    const { seen } = await follow(prefix, head, 2);
    expect(seen.map((e) => label(prefix, e))).toEqual(['-slow:1', '-fast:1']);
  });

  it('given 16 concurrent writers, when a reader follows them, then it ends with exactly every event, in version order per stream', async () => {
    const prefix = newStreamId('readall-race');
    const writers = 16;
    const streamsPerWriter = 3;
    const transactionsPerWriter = 40;
    const { checkpoint: start } = await readFrom(prefix, START_CHECKPOINT);

    let expectedTotal = Number.POSITIVE_INFINITY; // known once the writers are done
    const delivered: StoredEvent[] = [];
    const reader = (async () => {
      let checkpoint = start;
      const deadline = Date.now() + 40_000; // below the jest timeout: a miss fails on the counts below
      while (delivered.length < expectedTotal && Date.now() < deadline) {
        const batch = await readAll(pool, { after: checkpoint, limit: 50 });
        delivered.push(...batch.events.filter((e) => e.streamId.startsWith(prefix)));
        checkpoint = batch.checkpoint;
        if (batch.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return checkpoint;
    })();

    const written = new Map<string, number>();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let t = 0; t < transactionsPerWriter; t += 1) {
          // One or two streams (shared with a neighbouring writer), one or two events each; some transactions stay
          // open a little after appending, so transactions commit out of position order.
          const own = `${prefix}-${w}-${t % streamsPerWriter}`;
          const neighbour = `${prefix}-${(w + 1) % writers}-${t % streamsPerWriter}`;
          const streams = t % 4 === 0 ? [own, neighbour] : [own];
          const count = 1 + (t % 2);
          await withTransaction(pool, async (tx) => {
            await lockStreams(tx, streams);
            const versions = await Promise.all(streams.map((s) => readStreamVersion(tx, s)));
            await appendToStreams(
              tx,
              streams.map((streamId, i) => append(streamId, versions[i] ?? 'no_stream', count)),
            );
            if (t % 3 === 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          });
          for (const s of streams) written.set(s, (written.get(s) ?? 0) + count);
        }
      }),
    );
    expectedTotal = [...written.values()].reduce((sum, n) => sum + n, 0);
    const end = await reader;

    expect(delivered).toHaveLength(expectedTotal);
    expect(new Set(delivered.map((e) => e.eventId)).size).toBe(expectedTotal);
    expect((await readFrom(prefix, end)).seen).toEqual([]); // nothing left over, nothing delivered twice
    const versionsByStream = new Map<string, number[]>();
    for (const e of delivered) {
      versionsByStream.set(e.streamId, [...(versionsByStream.get(e.streamId) ?? []), e.streamVersion]);
    }
    expect(versionsByStream.size).toBe(written.size);
    for (const [streamId, count] of written) {
      expect({ streamId, versions: versionsByStream.get(streamId) }).toEqual({
        streamId,
        versions: Array.from({ length: count }, (_, i) => i + 1),
      });
    }
  });
});
