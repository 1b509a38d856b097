import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { getConfig } from '../../platform/config/env';
import { createPool } from '../../platform/db/pool';
import { readStream } from '../../event-store/read-stream';
import { purgeExpiredIdempotencyKeys } from './idempotency';
import { createAccountService, type AccountService, type CommandContext } from './service';

const TTL_HOURS = getConfig().IDEMPOTENCY_TTL_HOURS;

let pool: Pool;
let accounts: AccountService;

beforeAll(() => {
  pool = createPool({ max: 4 });
  accounts = createAccountService({ pool, snapshotEvery: 50 });
});

afterAll(async () => {
  await pool.end();
});

const ctx = (idempotency: CommandContext['idempotency']): CommandContext => ({
  correlationId: randomUUID(),
  ...(idempotency ? { idempotency } : {}),
});
const key = (fingerprint = 'POST /api/accounts/x/deposit {"amount":10}') => ({ key: randomUUID(), fingerprint });

async function open(): Promise<string> {
  const { result } = await accounts.openAccount(
    { accountNumber: `T-${randomBytes(8).toString('hex')}`, accountName: 'Keys', ownerName: 'Ada', initialBalance: 0 },
    { correlationId: randomUUID() },
  );
  return result.accountId;
}

/** Moves a stored key's creation time `hours` into the past. */
async function age(idempotencyKey: string, hours: number): Promise<void> {
  const moved = await pool.query(
    `UPDATE event_store.idempotency_keys SET created_at = now() - make_interval(hours => $2)
      WHERE scope = 'accounts' AND key = $1`,
    [idempotencyKey, hours],
  );
  expect(moved.rowCount).toBe(1);
}

async function storedKeys(keys: string[]): Promise<string[]> {
  const result = await pool.query<{ key: string }>(
    `SELECT key FROM event_store.idempotency_keys WHERE scope = 'accounts' AND key = ANY($1::text[]) ORDER BY key`,
    [keys],
  );
  return result.rows.map((row) => row.key);
}

describe('idempotency key retention (IDEMPOTENCY_TTL_HOURS)', () => {
  it('given a key stored just inside the window, when the request is retried, then the stored result is replayed', async () => {
    const accountId = await open();
    const idempotency = key();
    await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));
    await age(idempotency.key, TTL_HOURS - 1);

    const again = await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));

    expect(again).toEqual({ result: { balance: 10_00, version: 2 }, replayed: true });
    expect((await readStream(pool, accountId)).map((event) => event.streamVersion)).toEqual([1, 2]);
  });

  it('given a key older than the window, when the same request is retried with it, then it executes again and the key starts a new window', async () => {
    const accountId = await open();
    const idempotency = key();
    await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));
    await age(idempotency.key, TTL_HOURS + 1);

    const late = await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));
    const again = await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));

    expect(late).toEqual({ result: { balance: 20_00, version: 3 }, replayed: false });
    expect(again).toEqual({ result: { balance: 20_00, version: 3 }, replayed: true });
    expect((await readStream(pool, accountId)).map((event) => event.metadata.idempotencyKey)).toEqual([
      undefined,
      idempotency.key,
      idempotency.key,
    ]);
  });

  it('given a key older than the window, when it comes with another request, then that request executes (no 422)', async () => {
    const accountId = await open();
    const idempotency = key();
    await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));
    await age(idempotency.key, TTL_HOURS + 1);

    const other = await accounts.withdraw(accountId, { amount: 3_00 }, ctx({ ...idempotency, fingerprint: 'other' }));

    expect(other).toEqual({ result: { balance: 7_00, version: 3 }, replayed: false });
  });

  it('given expired and live keys, when purged in small batches, then exactly the expired ones are deleted', async () => {
    // given: five keys stored directly, three of them expired (one exactly at the window's edge)
    const keys = Array.from({ length: 5 }, () => randomUUID());
    const hoursAgo = [TTL_HOURS * 3, TTL_HOURS + 1, TTL_HOURS, TTL_HOURS - 1, 0];
    await pool.query(
      `INSERT INTO event_store.idempotency_keys (scope, key, fingerprint, result, created_at)
       SELECT 'accounts', k, 'f', '{}'::jsonb, now() - make_interval(hours => h)
         FROM unnest($1::text[], $2::int[]) AS u(k, h)`,
      [keys, hoursAgo],
    );

    // when
    const result = await purgeExpiredIdempotencyKeys(pool, { batchSize: 2 });

    // then
    expect(result.complete).toBe(true);
    expect(result.deleted).toBeGreaterThanOrEqual(3);
    expect(await storedKeys(keys)).toEqual([keys[3], keys[4]].sort());
    expect(await purgeExpiredIdempotencyKeys(pool)).toEqual({ deleted: 0, complete: true });
  });
});
