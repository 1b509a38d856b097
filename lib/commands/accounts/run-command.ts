import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from 'pg';
import { withTransaction, type Tx } from '../../platform/db/pool';
import { DomainError } from '../banking/errors';
import { ConcurrencyConflictError } from '../../event-store/errors';
import { lockStreams } from '../../event-store/locks';
import { logger } from '../../platform/observability/logger';
import { IdempotencyRaceError, findStoredResult, storeResult, type IdempotencyRecord } from './idempotency';
import { failureOutcome, recordCommand } from './metrics';
import type { CommandContext, Outcome } from './types';

export interface CommandRunnerOptions {
  pool: Pool;
  /** Conflicts are retried (reload, decide again) this many times before ConcurrencyConflictError. */
  maxRetries: number;
}

export interface Command<T> {
  /** Names the operation in logs and in the idempotency fingerprint, e.g. 'deposit'. */
  name: string;
  /** What the command acts on (an account id or number); part of the idempotency fingerprint. */
  target: string;
  /** Streams this command appends to (known before loading); locked pessimistically on retries. */
  streams: readonly string[];
  ctx: CommandContext;
  /**
   * Loads, decides and appends: all reads BEFORE the first write (lib/event-store/append.ts). After appending it
   * calls `remember(result)`, which stores the outcome under the Idempotency-Key (when there is one) in the same
   * transaction; writes that may be refused because of a concurrent twin request (e.g. a unique reservation)
   * come after it.
   */
  execute: (tx: Tx, remember: (result: T) => Promise<void>) => Promise<T>;
}

const PG_RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock: not expected, but safe to retry

function isRetryable(error: unknown): boolean {
  return (
    error instanceof ConcurrencyConflictError ||
    error instanceof IdempotencyRaceError ||
    PG_RETRYABLE.has((error as { code?: string } | null)?.code ?? '')
  );
}

/**
 * Runs a command in a transaction: replays a stored outcome for a known Idempotency-Key, otherwise executes it and
 * stores its outcome with its events. Conflicts retry the whole transaction after a small random delay; retries
 * first take advisory locks on the command's streams (no transaction id needed), so a hot account's writers queue
 * instead of conflicting again. Failed commands store nothing. Every run is counted by outcome (./metrics.ts).
 */
export async function runCommand<T>(options: CommandRunnerOptions, command: Command<T>): Promise<Outcome<T>> {
  let retries = 0;
  try {
    const outcome = await runAttempts(options, command, () => (retries += 1));
    recordCommand(command.name, outcome.replayed ? 'replayed' : retries > 0 ? 'conflict_retried' : 'ok', retries);
    return outcome;
  } catch (error) {
    recordCommand(command.name, failureOutcome(error), retries);
    throw error;
  }
}

async function runAttempts<T>(
  options: CommandRunnerOptions,
  command: Command<T>,
  onRetry: () => void,
): Promise<Outcome<T>> {
  const record: IdempotencyRecord | undefined = command.ctx.idempotency && {
    // Keys belong to their caller: another user's identical key is a different key.
    owner: command.ctx.caller?.sub,
    key: command.ctx.idempotency.key,
    fingerprint: `${command.name} ${command.target} ${command.ctx.idempotency.fingerprint}`,
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await withTransaction(options.pool, (tx) => attemptOnce(tx, command, record, attempt > 0));
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= options.maxRetries) {
        logger.warn('Command conflicts exhausted its retries', {
          command: command.name,
          attempts: attempt + 1,
          correlationId: command.ctx.correlationId,
        });
        throw error;
      }
      logger.debug('Retrying command after a conflict', { command: command.name, attempt: attempt + 1 });
      onRetry();
      await delay(Math.random() * Math.min(32, 2 ** (attempt + 1)));
    }
  }
}

async function attemptOnce<T>(
  tx: Tx,
  command: Command<T>,
  record: IdempotencyRecord | undefined,
  pessimistic: boolean,
): Promise<Outcome<T>> {
  if (pessimistic && command.streams.length > 0) await lockStreams(tx, command.streams);
  if (record) {
    const stored = await findStoredResult<T>(tx, record);
    if (stored !== undefined) return { result: stored, replayed: true };
  }
  let remembered = false;
  let result: T;
  try {
    result = await command.execute(tx, async (outcome) => {
      remembered = true;
      if (record) await storeResult(tx, record, outcome);
    });
  } catch (error) {
    // A twin request with the same key may have committed between the lookup above and the load: its effect is
    // already in the state we decided on (hence a refusal such as insufficient funds). Its stored outcome wins.
    if (record && error instanceof DomainError) {
      const stored = await findStoredResult<T>(tx, record);
      if (stored !== undefined) return { result: stored, replayed: true };
    }
    throw error;
  }
  if (!remembered) throw new Error(`Command ${command.name} did not record its outcome`);
  return { result, replayed: false };
}
