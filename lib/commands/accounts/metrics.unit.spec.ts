import type { Pool } from 'pg';
import { captureEmf, withMetric } from '../../platform/observability/testing';
import { DomainError } from '../banking/errors';
import { ConcurrencyConflictError } from '../../event-store/errors';
import { IdempotencyKeyReusedError } from './errors';
import { failureOutcome } from './metrics';
import { runCommand, type Command } from './run-command';

/** A pool whose transactions accept every statement: runCommand's own logic runs, nothing is stored. */
const fakePool = {
  connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release: () => undefined }),
} as unknown as Pool;

function command(execute: Command<string>['execute'], name = 'deposit'): Command<string> {
  return { name, target: 'acc-1', streams: ['acc-1'], ctx: { correlationId: 'c-1' }, execute };
}

describe('command metrics (runCommand)', () => {
  it('given a command that succeeds at once when run then Commands{command, outcome=ok} = 1 and no retry or replay metric', async () => {
    const { emf } = await captureEmf(() =>
      runCommand(
        { pool: fakePool, maxRetries: 3 },
        command(async (_tx, remember) => (await remember('done'), 'done')),
      ),
    );
    expect(emf).toEqual([
      expect.objectContaining({
        namespace: 'Ledgerline',
        dimensions: { service: 'ledgerline', command: 'deposit', outcome: 'ok' },
        values: { Commands: 1 },
      }),
    ]);
  });

  it('given two conflicts before success when run then outcome=conflict_retried and CommandConflictRetries = 2', async () => {
    let attempts = 0;
    const { emf } = await captureEmf(() =>
      runCommand(
        { pool: fakePool, maxRetries: 3 },
        command(async (_tx, remember) => {
          attempts += 1;
          if (attempts <= 2) throw new ConcurrencyConflictError('acc-1', 1, 2);
          await remember('done');
          return 'done';
        }, 'withdraw'),
      ),
    );
    expect(emf).toEqual([
      expect.objectContaining({
        dimensions: { service: 'ledgerline', command: 'withdraw', outcome: 'conflict_retried' },
        values: { Commands: 1, CommandConflictRetries: 2 },
        units: { Commands: 'Count', CommandConflictRetries: 'Count' },
      }),
    ]);
  });

  it('given conflicts beyond the retries when run then it throws and outcome=conflict_exhausted counts every retry', async () => {
    const { emf } = await captureEmf(() =>
      runCommand(
        { pool: fakePool, maxRetries: 1 },
        command(async () => {
          throw new ConcurrencyConflictError('acc-1', 1, 2);
        }),
      ).catch((error: unknown) => error),
    );
    expect(withMetric(emf, 'Commands')).toEqual([
      expect.objectContaining({
        dimensions: { service: 'ledgerline', command: 'deposit', outcome: 'conflict_exhausted' },
        values: { Commands: 1, CommandConflictRetries: 1 },
      }),
    ]);
  });

  it('given a refused command (a 4xx) when run then the outcome is its domain code', async () => {
    const { emf } = await captureEmf(() =>
      runCommand(
        { pool: fakePool, maxRetries: 3 },
        command(async () => {
          throw new DomainError('insufficient_funds', 'no');
        }),
      ).catch(() => undefined),
    );
    expect(emf.map((document) => document.dimensions.outcome)).toEqual(['insufficient_funds']);
  });

  it('given the errors a command may end with then each maps to its outcome', () => {
    expect(failureOutcome(new IdempotencyKeyReusedError('k'))).toBe('idempotency_key_reused');
    expect(failureOutcome(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'database_unavailable',
    );
    expect(failureOutcome(new TypeError('bug'))).toBe('error');
  });
});
