import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { loadAccount, saveAccounts } from '../../lib/commands/accounts/repository';
import { createAccountService, type AccountService } from '../../lib/commands/accounts/service';
import type { AccountEvent } from '../../lib/commands/banking/events';
import { withTransaction } from '../../lib/platform/db/pool';

export const DEPOSIT_CENTS = 100;
/** Effectively "never snapshot": for the full-replay comparison. */
export const NO_SNAPSHOTS = 1_000_000_000;

export function accountService(pool: Pool, snapshotEvery: number): AccountService {
  return createAccountService({ pool, snapshotEvery });
}

export interface BuiltAccount {
  accountId: string;
  events: number;
  balance: number;
}

/**
 * An account with `events` events (AccountCreated, then deposits of 1.00), stored exactly as the service stores
 * them — same events, metadata and snapshots (at every multiple of `snapshotEvery`) — but written in chunks that end
 * on the snapshot boundaries, so that a 10,000-event account takes seconds instead of 10,000 commands.
 */
export async function buildAccount(pool: Pool, events: number, snapshotEvery: number): Promise<BuiltAccount> {
  const service = accountService(pool, snapshotEvery);
  const ctx = { correlationId: randomUUID() };
  const { result } = await service.openAccount(
    {
      accountNumber: `B${randomUUID().replace(/-/g, '').slice(0, 20)}`,
      accountName: 'Bench account',
      ownerName: 'Bench owner',
      initialBalance: 0,
    },
    ctx,
  );
  const accountId = result.accountId;
  let state = await loadAccount(pool, accountId);
  const chunkLimit = Math.min(snapshotEvery, 500);
  while (state.status === 'open' && state.version < events) {
    const untilBoundary = snapshotEvery - (state.version % snapshotEvery);
    const size = Math.min(untilBoundary, chunkLimit, events - state.version);
    const deposits: AccountEvent[] = Array.from({ length: size }, () => ({
      type: 'MoneyDeposited',
      data: { amount: DEPOSIT_CENTS, description: 'Deposit' },
    }));
    const current = state;
    const [next] = await withTransaction(pool, (tx) =>
      saveAccounts(tx, [{ accountId, state: current, events: deposits }], ctx, snapshotEvery),
    );
    if (!next) throw new Error('saveAccounts returned nothing');
    state = next;
  }
  if (state.status !== 'open' || state.version !== events)
    throw new Error(`buildAccount: ended at ${JSON.stringify(state)}`);
  return { accountId, events, balance: state.balance };
}

/** Builds `count` accounts of `eventsEach` events with a few concurrent builders. */
export async function buildAccounts(
  pool: Pool,
  count: number,
  eventsEach: number,
  snapshotEvery: number,
  concurrency = 6,
): Promise<BuiltAccount[]> {
  const built: BuiltAccount[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        built.push(await buildAccount(pool, eventsEach, snapshotEvery));
      }
    }),
  );
  return built;
}
