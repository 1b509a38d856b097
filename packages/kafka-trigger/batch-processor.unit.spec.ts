import {
  backoffDelay,
  expiredPrefix,
  interpretResponse,
  InvocationUnavailableError,
  processBatch,
  TriggerStoppedError,
  type FailureInfo,
  type InvokeOutcome,
  type ProcessorEffects,
} from './batch-processor';
import { noRetries, record, records } from './testing/fixtures';
import { silentLogger, type RetryPolicy, type SourceRecord } from './types';

const id = (r: SourceRecord): string => `${r.partition}:${r.offset}`;

interface Recorder {
  effects: ProcessorEffects;
  invocations: string[][];
  handled: string[];
  deadLettered: Array<{ records: string[]; failure: FailureInfo }>;
  sleeps: number[];
}

function recorder(
  respond: (records: readonly SourceRecord[], call: number) => InvokeOutcome | Error,
  now = 0,
): Recorder {
  const result: Recorder = {
    invocations: [],
    handled: [],
    deadLettered: [],
    sleeps: [],
    effects: {
      invoke: async (batch) => {
        result.invocations.push(batch.map(id));
        const outcome = respond(batch, result.invocations.length);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
      deadLetter: async (batch, failure) => {
        result.deadLettered.push({ records: batch.map(id), failure });
      },
      handled: async (batch) => {
        result.handled.push(...batch.map(id));
      },
      sleep: async (ms) => {
        result.sleeps.push(ms);
      },
      isStopping: () => false,
      now: () => now,
      logger: silentLogger,
    },
  };
  return result;
}

const ok: InvokeOutcome = { type: 'success', payload: null };
const boom: InvokeOutcome = { type: 'error', errorType: 'Error', errorMessage: 'boom' };
const backoff = { baseMs: 100, maxMs: 1_000 };
const policy = (overrides: Partial<RetryPolicy>): RetryPolicy => ({ ...noRetries, ...overrides });

/** Handled records must form, per partition, one contiguous run in offset order (commits never skip ahead). */
function expectPerPartitionOrder(handled: string[]): void {
  const last = new Map<string, number>();
  for (const entry of handled) {
    const [partition, offset] = entry.split(':');
    const previous = last.get(partition!);
    if (previous !== undefined) expect(Number(offset)).toBe(previous + 1);
    last.set(partition!, Number(offset));
  }
}

describe('processBatch', () => {
  it('given a successful invocation, when processed, then every record is handled once and nothing is retried', async () => {
    const r = recorder(() => ok);

    const summary = await processBatch(
      [...records(0, 0, 2), ...records(1, 7, 2)],
      policy({ maximumRetryAttempts: 3 }),
      backoff,
      r.effects,
    );

    expect(r.invocations).toEqual([['0:0', '0:1', '1:7', '1:8']]);
    expect(r.handled).toEqual(['0:0', '0:1', '1:7', '1:8']);
    expect(summary).toEqual({ invocations: 1, functionErrors: 0, partialFailures: 0, deadLettered: 0 });
  });

  it('given a function that always fails, when processed with 2 retries, then the whole batch is invoked 3 times, then dead-lettered and handled', async () => {
    const r = recorder(() => boom);
    const batch = records(0, 0, 3);

    await processBatch(batch, policy({ maximumRetryAttempts: 2 }), backoff, r.effects);

    expect(r.invocations).toEqual([
      ['0:0', '0:1', '0:2'],
      ['0:0', '0:1', '0:2'],
      ['0:0', '0:1', '0:2'],
    ]);
    expect(r.sleeps).toEqual([100, 200]);
    expect(r.deadLettered).toEqual([
      {
        records: ['0:0', '0:1', '0:2'],
        failure: { reason: 'FunctionError', errorType: 'Error', errorMessage: 'boom', attempts: 3 },
      },
    ]);
    expect(r.handled).toEqual(['0:0', '0:1', '0:2']);
  });

  it('given a transient error, when the retry succeeds, then nothing is dead-lettered', async () => {
    const r = recorder((_batch, call) => (call === 1 ? boom : ok));

    await processBatch(records(0, 0, 2), policy({ maximumRetryAttempts: 1 }), backoff, r.effects);

    expect(r.invocations).toHaveLength(2);
    expect(r.deadLettered).toEqual([]);
    expect(r.handled).toEqual(['0:0', '0:1']);
  });

  it('given zero retries, when the function fails, then the batch goes to the destination after one invocation', async () => {
    const r = recorder(() => boom);

    await processBatch(records(0, 0, 2), policy({ maximumRetryAttempts: 0 }), backoff, r.effects);

    expect(r.invocations).toHaveLength(1);
    expect(r.deadLettered[0]!.failure.attempts).toBe(1);
  });

  it('given bisect on and one poison record, when processed, then only the poison record is dead-lettered, in order', async () => {
    const poison = '0:5';
    const r = recorder((batch) => (batch.some((rec) => id(rec) === poison) ? boom : ok));
    const batch = [...records(0, 0, 8), ...records(1, 0, 2)];

    await processBatch(
      batch,
      policy({ maximumRetryAttempts: 1, bisectBatchOnFunctionError: true }),
      backoff,
      r.effects,
    );

    expect(r.deadLettered.map((d) => d.records)).toEqual([[poison]]);
    expect(r.deadLettered[0]!.failure.attempts).toBeGreaterThanOrEqual(2);
    expect([...r.handled].sort()).toEqual(batch.map(id).sort());
    expectPerPartitionOrder(r.handled);
    // the single poison record got exactly 1 + maximumRetryAttempts invocations on its own
    expect(r.invocations.filter((call) => call.length === 1 && call[0] === poison)).toHaveLength(2);
  });

  it('given ReportBatchItemFailures, when one record fails once, then offsets before it are handled and the retry starts at it', async () => {
    const r = recorder((_batch, call) =>
      call === 1
        ? {
            type: 'success',
            payload: { batchItemFailures: [{ itemIdentifier: { partition: 'events-0', offset: 2 } }] },
          }
        : ok,
    );

    await processBatch(
      [...records(0, 0, 4), ...records(1, 0, 2)],
      policy({ maximumRetryAttempts: 2, reportBatchItemFailures: true }),
      backoff,
      r.effects,
    );

    expect(r.invocations).toEqual([
      ['0:0', '0:1', '0:2', '0:3', '1:0', '1:1'],
      ['0:2', '0:3'],
    ]);
    expect(r.handled).toEqual(['0:0', '0:1', '1:0', '1:1', '0:2', '0:3']);
    expect(r.deadLettered).toEqual([]);
  });

  it('given ReportBatchItemFailures that keep failing, when retries run out, then only the reported records are dead-lettered', async () => {
    const r = recorder(() => ({
      type: 'success',
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 'events-0', offset: 1 } }] },
    }));

    await processBatch(
      records(0, 0, 3),
      policy({ maximumRetryAttempts: 1, reportBatchItemFailures: true }),
      backoff,
      r.effects,
    );

    expect(r.invocations).toEqual([
      ['0:0', '0:1', '0:2'],
      ['0:1', '0:2'],
    ]);
    expect(r.deadLettered).toEqual([
      {
        records: ['0:1'],
        failure: expect.objectContaining({ reason: 'PartialBatchItemFailure', attempts: 2 }),
      },
    ]);
    expect(r.handled).toEqual(['0:0', '0:1', '0:2']);
  });

  it('given a batchItemFailures response but the feature off, when processed, then it is a plain success', async () => {
    const r = recorder(() => ({
      type: 'success',
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 'events-0', offset: 0 } }] },
    }));

    await processBatch(records(0, 0, 2), policy({ maximumRetryAttempts: 3 }), backoff, r.effects);

    expect(r.invocations).toHaveLength(1);
    expect(r.handled).toEqual(['0:0', '0:1']);
  });

  it('given an invalid batchItemFailures response, when processed, then the whole batch counts as failed', async () => {
    const r = recorder(() => ({
      type: 'success',
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 'events-9', offset: 0 } }] },
    }));

    await processBatch(
      records(0, 0, 2),
      policy({ maximumRetryAttempts: 0, reportBatchItemFailures: true }),
      backoff,
      r.effects,
    );

    expect(r.deadLettered).toEqual([
      { records: ['0:0', '0:1'], failure: expect.objectContaining({ errorType: 'InvalidBatchItemFailures' }) },
    ]);
  });

  it('given records older than MaximumRecordAge, when processed, then they go to the destination without an invocation', async () => {
    const r = recorder(() => ok, 1_000_000);
    const old = record(0, 0, { timestamp: 1_000_000 - 120_000 });
    const fresh = record(0, 1, { timestamp: 1_000_000 - 1_000 });

    await processBatch([old, fresh], policy({ maximumRecordAgeMs: 60_000 }), backoff, r.effects);

    expect(r.deadLettered).toEqual([
      { records: ['0:0'], failure: expect.objectContaining({ reason: 'RecordAgeExceeded' }) },
    ]);
    expect(r.invocations).toEqual([['0:1']]);
    expect(r.handled).toEqual(['0:0', '0:1']);
  });

  it('given the invoke API unavailable, when processed, then it is retried without counting as a function error', async () => {
    const r = recorder((_batch, call) => (call < 3 ? new InvocationUnavailableError('ECONNREFUSED') : ok));

    const summary = await processBatch(records(0, 0, 1), policy({ maximumRetryAttempts: 0 }), backoff, r.effects);

    expect(r.invocations).toHaveLength(3);
    expect(r.deadLettered).toEqual([]);
    expect(summary.functionErrors).toBe(0);
  });

  it('given the destination failing once, when dead-lettering, then it is retried and the records are handled only after it succeeded', async () => {
    const r = recorder(() => boom);
    let failures = 1;
    const deadLetter = r.effects.deadLetter;
    r.effects.deadLetter = async (batch, failure) => {
      if (failures-- > 0) throw new Error('broker down');
      await deadLetter(batch, failure);
    };

    await processBatch(records(0, 0, 1), policy({ maximumRetryAttempts: 0 }), backoff, r.effects);

    expect(r.deadLettered).toHaveLength(1);
    expect(r.handled).toEqual(['0:0']);
  });

  it('given the trigger stopping during the retry backoff, when processing, then it rejects and handles nothing', async () => {
    const r = recorder(() => boom);
    r.effects.sleep = () => Promise.reject(new TriggerStoppedError());

    await expect(
      processBatch(records(0, 0, 2), policy({ maximumRetryAttempts: 3 }), backoff, r.effects),
    ).rejects.toBeInstanceOf(TriggerStoppedError);
    expect(r.handled).toEqual([]);
  });
});

describe('interpretResponse', () => {
  const batch = [...records(0, 0, 3), ...records(1, 0, 2)];

  it.each([undefined, null, 'ok', {}, { batchItemFailures: [] }, { batchItemFailures: null }])(
    'given %p, when interpreted, then it is a success',
    (payload) => {
      expect(interpretResponse(payload, batch)).toEqual({ kind: 'success' });
    },
  );

  it('given a string offset, when interpreted, then it is accepted', () => {
    const result = interpretResponse(
      { batchItemFailures: [{ itemIdentifier: { partition: 'events-1', offset: '1' } }] },
      batch,
    );

    expect(result.kind).toBe('partial');
  });

  it('given failures in one partition, when interpreted, then the other partition is done entirely', () => {
    const result = interpretResponse(
      {
        batchItemFailures: [
          { itemIdentifier: { partition: 'events-0', offset: 2 } },
          { itemIdentifier: { partition: 'events-0', offset: 1 } },
        ],
      },
      batch,
    );

    expect(result.kind === 'partial' && result.done.map(id)).toEqual(['0:0', '1:0', '1:1']);
    expect(result.kind === 'partial' && result.retry.map(id)).toEqual(['0:1', '0:2']);
    expect(result.kind === 'partial' && result.failed.map(id)).toEqual(['0:1', '0:2']);
  });

  it.each([
    { batchItemFailures: 'x' },
    { batchItemFailures: [{}] },
    { batchItemFailures: [{ itemIdentifier: { partition: 'events-0' } }] },
  ])('given the malformed %p, when interpreted, then it is invalid', (payload) => {
    expect(interpretResponse(payload, batch).kind).toBe('invalid');
  });
});

describe('expiredPrefix and backoffDelay', () => {
  it('given an old record after a fresh one in the same partition, when checked, then it is not expired (commits stay in order)', () => {
    const fresh = record(0, 0, { timestamp: 990 });
    const old = record(0, 1, { timestamp: 0 });

    expect(expiredPrefix([fresh, old], 1_000, 100)).toEqual([]);
  });

  it('given growing retry numbers, when the delay is computed, then it doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1_000 }))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });
});
