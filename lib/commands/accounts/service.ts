import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Caller } from '../../platform/auth/verify-token';
import { decide, decideTransfer, type AccountState } from '../banking/account';
import { getConfig } from '../../platform/config/env';
import { getPool } from '../../platform/db/pool';
import { withReadRetry } from '../../platform/db/read-retry';
import { readStream, readStreamVersion } from '../../event-store/read-stream';
import { mayAccessAccount, requireAccountAccess, reserveAccountNumber } from './account-numbers';
import { actorOfEvent, fromStoredEvent } from './codec';
import { loadAccount, saveAccounts } from './repository';
import { runCommand } from './run-command';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from './types';
import type {
  AccountView,
  BalanceResult,
  CommandContext,
  HistoryEntry,
  MoneyInput,
  OpenAccountInput,
  Outcome,
  TransferInput,
  TransferResult,
} from './types';

export type {
  AccountView,
  BalanceResult,
  CommandContext,
  HistoryEntry,
  MoneyInput,
  OpenAccountInput,
  Outcome,
  TransferInput,
  TransferResult,
} from './types';
export { DomainError, ConcurrencyConflictError, IdempotencyKeyReusedError } from './errors';
export { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from './types';

const MAX_RETRIES = 5;

export interface AccountServiceOptions {
  pool: Pool;
  /** Snapshot every this many events (SNAPSHOT_EVERY). */
  snapshotEvery: number;
  /** Conflict retries before ConcurrencyConflictError (default 5). */
  maxRetries?: number;
}

/** The write and read operations on accounts. All amounts in cents; ids are uuids. */
export function createAccountService({ pool, snapshotEvery, maxRetries = MAX_RETRIES }: AccountServiceOptions) {
  const runner = { pool, maxRetries };

  async function openAccount(input: OpenAccountInput, ctx: CommandContext): Promise<Outcome<{ accountId: string }>> {
    const accountId = randomUUID();
    const ownerId = input.ownerId ?? ctx.caller?.sub;
    return runCommand(runner, {
      name: 'open-account',
      target: input.accountNumber,
      streams: [],
      ctx,
      execute: async (tx, remember) => {
        const state: AccountState = { status: 'new' }; // a fresh id: nothing to load
        const events = decide({ type: 'OpenAccount', data: { ...input, accountId, ownerId } }, state);
        await saveAccounts(tx, [{ accountId, state, events }], ctx, snapshotEvery);
        const result = { accountId };
        await remember(result);
        // After remember(): a concurrent twin request (same Idempotency-Key) waits on the key and replays, instead
        // of reaching the reservation and being told the number is taken.
        await reserveAccountNumber(tx, input.accountNumber, accountId, ownerId);
        return result;
      },
    });
  }

  function moveMoney(kind: 'Deposit' | 'Withdraw') {
    return (accountId: string, input: MoneyInput, ctx: CommandContext): Promise<Outcome<BalanceResult>> =>
      runCommand(runner, {
        name: kind === 'Deposit' ? 'deposit' : 'withdraw',
        target: accountId,
        streams: [accountId],
        ctx,
        execute: async (tx, remember) => {
          await requireAccountAccess(tx, accountId, ctx.caller);
          const state = await loadAccount(tx, accountId);
          const events = decide({ type: kind, data: { accountId, ...input } }, state);
          const [next] = await saveAccounts(tx, [{ accountId, state, events }], ctx, snapshotEvery);
          if (!next) throw new Error('saveAccounts returned no state');
          const result = { balance: next.balance, version: next.version };
          await remember(result);
          return result;
        },
      });
  }

  async function transfer(
    fromAccountId: string,
    input: TransferInput,
    ctx: CommandContext,
  ): Promise<Outcome<TransferResult>> {
    const transferId = randomUUID();
    const { toAccountId, amount, description } = input;
    return runCommand(runner, {
      name: 'transfer',
      target: fromAccountId,
      streams: [fromAccountId, toAccountId],
      ctx,
      execute: async (tx, remember) => {
        // Only the source account must be the caller's: money may go to any existing account.
        await requireAccountAccess(tx, fromAccountId, ctx.caller);
        const fromState = await loadAccount(tx, fromAccountId);
        const toState = toAccountId === fromAccountId ? fromState : await loadAccount(tx, toAccountId);
        const legs = decideTransfer(
          { type: 'Transfer', data: { transferId, fromAccountId, toAccountId, amount, description } },
          fromState,
          toState,
        );
        const [from, to] = await saveAccounts(
          tx,
          [
            { accountId: fromAccountId, state: fromState, events: legs.from },
            { accountId: toAccountId, state: toState, events: legs.to },
          ],
          ctx,
          snapshotEvery,
        );
        if (!from || !to) throw new Error('saveAccounts returned no state');
        const result = { transferId, fromAccountNewBalance: from.balance, toAccountNewBalance: to.balance };
        await remember(result);
        return result;
      },
    });
  }

  /**
   * The account now, or as it was at `version` / at the instant `asOf`. Null when it did not exist then (also for a
   * version it never reached).
   */
  async function getAccount(
    accountId: string,
    at: { asOf?: Date; version?: number } = {},
    caller?: Caller,
  ): Promise<AccountView | null> {
    if (!(await withReadRetry(pool, () => mayAccessAccount(pool, accountId, caller)))) return null;
    const state = await withReadRetry(pool, () =>
      loadAccount(pool, accountId, {
        ...(at.version === undefined ? {} : { toVersion: at.version }),
        ...(at.asOf === undefined ? {} : { until: at.asOf }),
      }),
    );
    if (state.status !== 'open') return null;
    if (at.version !== undefined && state.version !== at.version) return null;
    return {
      id: state.id,
      accountNumber: state.accountNumber,
      accountName: state.accountName,
      ownerName: state.ownerName,
      balance: state.balance,
      version: state.version,
      isActive: true,
    };
  }

  /**
   * The account's events from `fromVersion` (default 1), ascending, at most `limit`; null for an unknown account and
   * for one the caller may not see.
   */
  async function getHistory(
    accountId: string,
    { fromVersion = 1, limit = DEFAULT_HISTORY_LIMIT }: { fromVersion?: number; limit?: number } = {},
    caller?: Caller,
  ): Promise<HistoryEntry[] | null> {
    if (!(await withReadRetry(pool, () => mayAccessAccount(pool, accountId, caller)))) return null;
    const boundedLimit = Math.min(Math.max(1, Math.trunc(limit)), MAX_HISTORY_LIMIT);
    const events = await withReadRetry(pool, async () => {
      const read = await readStream(pool, accountId, { fromVersion, limit: boundedLimit });
      return read.length === 0 && (await readStreamVersion(pool, accountId)) === null ? null : read;
    });
    if (events === null) return null;
    return events.map((event) => ({
      id: event.eventId,
      type: event.type,
      version: event.streamVersion,
      timestamp: event.createdAt,
      data: fromStoredEvent(event).data,
      actor: actorOfEvent(event.metadata),
    }));
  }

  return {
    openAccount,
    deposit: moveMoney('Deposit'),
    withdraw: moveMoney('Withdraw'),
    transfer,
    getAccount,
    getHistory,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

let defaultService: AccountService | undefined;

/** The service on this container's pool and configuration, created on first use. */
function service(): AccountService {
  defaultService ??= createAccountService({ pool: getPool(), snapshotEvery: getConfig().SNAPSHOT_EVERY });
  return defaultService;
}

export const openAccount: AccountService['openAccount'] = (input, ctx) => service().openAccount(input, ctx);
export const deposit: AccountService['deposit'] = (accountId, input, ctx) => service().deposit(accountId, input, ctx);
export const withdraw: AccountService['withdraw'] = (accountId, input, ctx) =>
  service().withdraw(accountId, input, ctx);
export const transfer: AccountService['transfer'] = (accountId, input, ctx) =>
  service().transfer(accountId, input, ctx);
export const getAccount: AccountService['getAccount'] = (accountId, at, caller) =>
  service().getAccount(accountId, at, caller);
export const getHistory: AccountService['getHistory'] = (accountId, options, caller) =>
  service().getHistory(accountId, options, caller);
