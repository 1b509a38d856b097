import { getConfig } from '../../lib/platform/config/env';
import { resetStores } from '../harness/database';
import { progress } from '../harness/progress';
import { buildAccounts } from '../runners/accounts';
import type { BenchContext } from './context';

export const EVENTS_PER_ACCOUNT = 100;

/**
 * The store the rebuild, relay and projector capacity measurements read: `config.rebuildEvents` account events
 * (accounts of 100 events: AccountCreated + 99 deposits, snapshots as the service writes them). Built once per run.
 */
export async function ensureHistory(ctx: BenchContext): Promise<{ events: number; accounts: number }> {
  if (ctx.history) return ctx.history;
  await resetStores(ctx.pool);
  const accounts = Math.max(1, Math.round(ctx.config.rebuildEvents / EVENTS_PER_ACCOUNT));
  const t0 = Date.now();
  await buildAccounts(ctx.pool, accounts, EVENTS_PER_ACCOUNT, getConfig().SNAPSHOT_EVERY);
  await ctx.pool.query('VACUUM ANALYZE event_store.events');
  const { rows } = await ctx.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM event_store.events');
  const events = Number(rows[0]!.n);
  progress(`history: ${events} events in ${accounts} accounts written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  ctx.history = { events, accounts };
  return ctx.history;
}
