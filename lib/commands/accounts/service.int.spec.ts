import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { UndecodableEventError } from '../banking/events';
import { createPool, withTransaction } from '../../platform/db/pool';
import { afterDatabaseClockPasses } from '../../platform/db/testing';
import { appendToStream } from '../../event-store/append';
import { readStream } from '../../event-store/read-stream';
import { ConcurrencyConflictError, DomainError, IdempotencyKeyReusedError } from './errors';
import { createAccountService, type AccountService, type CommandContext } from './service';

const SNAPSHOT_EVERY = 5;

let pool: Pool;
let accounts: AccountService;

beforeAll(() => {
  pool = createPool({ max: 20 });
  accounts = createAccountService({ pool, snapshotEvery: SNAPSHOT_EVERY });
});

afterAll(async () => {
  await pool.end();
});

const ctx = (idempotency?: CommandContext['idempotency']): CommandContext => ({
  correlationId: randomUUID(),
  ...(idempotency ? { idempotency } : {}),
});
const accountNumber = () => `T-${randomBytes(8).toString('hex')}`;

async function open(initialBalance: number, number = accountNumber()): Promise<string> {
  const { result } = await accounts.openAccount(
    { accountNumber: number, accountName: 'Everyday', ownerName: 'Ada Lovelace', initialBalance },
    ctx(),
  );
  return result.accountId;
}

async function balanceOf(accountId: string): Promise<number> {
  const account = await accounts.getAccount(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  return account.balance;
}

async function versionsOf(accountId: string): Promise<number[]> {
  return (await readStream(pool, accountId)).map((event) => event.streamVersion);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function codeOf(reason: unknown): string {
  if (reason instanceof DomainError) return reason.code;
  return (reason as Error).name;
}

describe('commands', () => {
  it('given a new account, when depositing and withdrawing, then balance and version follow the events', async () => {
    const accountId = await open(100_00);

    const deposited = await accounts.deposit(accountId, { amount: 25_50 }, ctx());
    const withdrawn = await accounts.withdraw(accountId, { amount: 10_00, description: 'Cash' }, ctx());

    expect(deposited).toEqual({ result: { balance: 125_50, version: 2 }, replayed: false });
    expect(withdrawn).toEqual({ result: { balance: 115_50, version: 3 }, replayed: false });
    expect(await accounts.getAccount(accountId)).toEqual({
      id: accountId,
      accountNumber: expect.any(String),
      accountName: 'Everyday',
      ownerName: 'Ada Lovelace',
      balance: 115_50,
      version: 3,
      isActive: true,
    });
  });

  it('given stored events, then each carries its correlation id and schema version in metadata', async () => {
    const accountId = await open(0);
    const context = { ...ctx(), causationId: 'cause-1' };

    await accounts.deposit(accountId, { amount: 1 }, context);

    const [, deposit] = await readStream(pool, accountId);
    expect(deposit?.metadata).toEqual({
      correlationId: context.correlationId,
      causationId: 'cause-1',
      schemaVersion: 1,
    });
  });

  it('given an account with 100, when withdrawing 100.01, then insufficient_funds and nothing stored', async () => {
    const accountId = await open(100_00);

    await expect(accounts.withdraw(accountId, { amount: 100_01 }, ctx())).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    expect(await versionsOf(accountId)).toEqual([1]);
  });

  it('given an unknown account, when depositing, then account_not_found', async () => {
    await expect(accounts.deposit(randomUUID(), { amount: 1 }, ctx())).rejects.toMatchObject({
      code: 'account_not_found',
    });
  });

  it('given an account number in use, when opening another account with it, then account_already_exists', async () => {
    const number = accountNumber();
    await open(0, number);

    await expect(open(0, number)).rejects.toMatchObject({ code: 'account_already_exists' });
  });

  it('given two accounts, when transferring, then both legs share a transfer id and the default descriptions', async () => {
    const fromNumber = accountNumber();
    const toNumber = accountNumber();
    const from = await open(50_00, fromNumber);
    const to = await open(0, toNumber);

    const { result } = await accounts.transfer(from, { toAccountId: to, amount: 20_00 }, ctx());

    expect(result).toEqual({
      transferId: expect.any(String),
      fromAccountNewBalance: 30_00,
      toAccountNewBalance: 20_00,
    });
    const [withdrawn] = (await accounts.getHistory(from, { fromVersion: 2 })) ?? [];
    const [deposited] = (await accounts.getHistory(to, { fromVersion: 2 })) ?? [];
    expect(withdrawn?.data).toEqual({
      amount: 20_00,
      description: `Transfer to ${toNumber}`,
      transferId: result.transferId,
      counterpartyAccountId: to,
      counterpartyAccountNumber: toNumber,
    });
    expect(deposited?.data).toEqual({
      amount: 20_00,
      description: `Transfer from ${fromNumber}`,
      transferId: result.transferId,
      counterpartyAccountId: from,
      counterpartyAccountNumber: fromNumber,
    });
  });

  it('given a transfer to an unknown account, then account_not_found and nothing changes', async () => {
    const from = await open(50_00);

    await expect(accounts.transfer(from, { toAccountId: randomUUID(), amount: 10_00 }, ctx())).rejects.toMatchObject({
      code: 'account_not_found',
    });
    expect(await versionsOf(from)).toEqual([1]);
    expect(await balanceOf(from)).toBe(50_00);
  });

  it('given one account, when transferring to itself, then self_transfer and nothing changes', async () => {
    const accountId = await open(50_00);

    await expect(accounts.transfer(accountId, { toAccountId: accountId, amount: 1 }, ctx())).rejects.toMatchObject({
      code: 'self_transfer',
    });
    expect(await versionsOf(accountId)).toEqual([1]);
  });
});

describe('concurrency', () => {
  it('given 100.00, when 50 withdrawals of 10.00 run in parallel, then exactly 10 succeed, balance 0, versions contiguous', async () => {
    const accountId = await open(100_00);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => accounts.withdraw(accountId, { amount: 10_00 }, ctx())),
    );

    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [codeOf(outcome.reason)] : []));
    expect(succeeded).toHaveLength(10);
    expect(new Set(failures)).toEqual(new Set(['insufficient_funds']));
    expect(await balanceOf(accountId)).toBe(0);
    expect(await versionsOf(accountId)).toEqual(range(1, 11));
  });

  it('given A and B, when 20 A→B transfers race 20 B→A, then no deadlock, money conserved, none negative', async () => {
    const a = await open(100_00);
    const b = await open(100_00);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? accounts.transfer(a, { toAccountId: b, amount: 7_00 }, ctx())
          : accounts.transfer(b, { toAccountId: a, amount: 7_00 }, ctx()),
      ),
    );

    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [codeOf(outcome.reason)] : []));
    expect(failures).toEqual([]);
    const [balanceA, balanceB] = [await balanceOf(a), await balanceOf(b)];
    expect(balanceA + balanceB).toBe(200_00);
    expect(balanceA).toBeGreaterThanOrEqual(0);
    expect(balanceB).toBeGreaterThanOrEqual(0);
    // Every transfer appends one event to each account.
    expect(await versionsOf(a)).toEqual(range(1, 41));
    expect(await versionsOf(b)).toEqual(range(1, 41));
  });

  it('given small balances, when transfers race in both directions, then none overdraws and money is conserved', async () => {
    const a = await open(10_00);
    const b = await open(5_00);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? accounts.transfer(a, { toAccountId: b, amount: 4_00 }, ctx())
          : accounts.transfer(b, { toAccountId: a, amount: 4_00 }, ctx()),
      ),
    );

    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(codeOf(outcome.reason)).toBe('insufficient_funds');
    }
    const history = [...((await accounts.getHistory(a)) ?? []), ...((await accounts.getHistory(b)) ?? [])];
    const [balanceA, balanceB] = [await balanceOf(a), await balanceOf(b)];
    expect(balanceA + balanceB).toBe(15_00);
    expect(Math.min(balanceA, balanceB)).toBeGreaterThanOrEqual(0);
    expect(history.filter((entry) => entry.type !== 'AccountCreated')).toHaveLength(
      2 * outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
    );
  });

  it('given 10 concurrent opens with one account number, then exactly one succeeds', async () => {
    const number = accountNumber();

    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => open(1_00, number)));

    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [codeOf(outcome.reason)] : []));
    expect(new Set(failures)).toEqual(new Set(['account_already_exists']));
    const { rows } = await pool.query('SELECT account_id FROM event_store.account_numbers WHERE account_number = $1', [
      number,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('given no retries left, when conflicts persist, then ConcurrencyConflictError', async () => {
    const impatient = createAccountService({ pool, snapshotEvery: SNAPSHOT_EVERY, maxRetries: 0 });
    const accountId = await open(1_000_00);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => impatient.deposit(accountId, { amount: 1 }, ctx())),
    );

    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    for (const failure of failures) expect(failure).toBeInstanceOf(ConcurrencyConflictError);
    expect(await versionsOf(accountId)).toEqual(range(1, 1 + outcomes.length - failures.length));
  });
});

describe('idempotency', () => {
  const key = () => ({ key: randomUUID(), fingerprint: 'POST /api/accounts/x/deposit {"amount":10}' });

  it('given a deposit, when retried with the same key and fingerprint, then the stored result and one effect', async () => {
    const accountId = await open(0);
    const idempotency = key();

    const first = await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));
    const again = await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));

    expect(first).toEqual({ result: { balance: 10_00, version: 2 }, replayed: false });
    expect(again).toEqual({ result: { balance: 10_00, version: 2 }, replayed: true });
    expect(await versionsOf(accountId)).toEqual([1, 2]);
    const [, deposit] = await readStream(pool, accountId);
    expect(deposit?.metadata.idempotencyKey).toBe(idempotency.key);
  });

  it('given a used key, when sent with another fingerprint, then IdempotencyKeyReusedError and no effect', async () => {
    const accountId = await open(0);
    const idempotency = key();
    await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));

    await expect(
      accounts.deposit(accountId, { amount: 20_00 }, ctx({ ...idempotency, fingerprint: 'other body' })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await versionsOf(accountId)).toEqual([1, 2]);
  });

  it('given a used key, when the same key comes with another command, then IdempotencyKeyReusedError', async () => {
    const accountId = await open(50_00);
    const idempotency = key();
    await accounts.deposit(accountId, { amount: 10_00 }, ctx(idempotency));

    await expect(accounts.withdraw(accountId, { amount: 10_00 }, ctx(idempotency))).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('given an open, when retried with its key, then the same account id and one account', async () => {
    const idempotency = key();
    const input = { accountNumber: accountNumber(), accountName: 'A', ownerName: 'B', initialBalance: 5_00 };

    const first = await accounts.openAccount(input, ctx(idempotency));
    const again = await accounts.openAccount(input, ctx(idempotency));

    expect(again).toEqual({ result: first.result, replayed: true });
  });

  it('given concurrent twins of one open (same key), then both get the same account and only one exists', async () => {
    const idempotency = key();
    const input = { accountNumber: accountNumber(), accountName: 'A', ownerName: 'B', initialBalance: 5_00 };

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => accounts.openAccount(input, ctx(idempotency))));

    expect(new Set(outcomes.map((outcome) => outcome.result.accountId)).size).toBe(1);
    expect(outcomes.filter((outcome) => !outcome.replayed)).toHaveLength(1);
  });

  it('given a withdrawal and a transfer, when each is retried with its key, then each has exactly one effect', async () => {
    const from = await open(100_00);
    const to = await open(0);
    const withdrawKey = key();
    const transferKey = key();

    const withdrawals = await Promise.all(
      Array.from({ length: 4 }, () => accounts.withdraw(from, { amount: 10_00 }, ctx(withdrawKey))),
    );
    const transfers = await Promise.all(
      Array.from({ length: 4 }, () => accounts.transfer(from, { toAccountId: to, amount: 30_00 }, ctx(transferKey))),
    );

    for (const outcome of withdrawals) expect(outcome.result).toEqual(withdrawals[0]?.result);
    for (const outcome of transfers) expect(outcome.result).toEqual(transfers[0]?.result);
    expect(transfers.filter((outcome) => !outcome.replayed)).toHaveLength(1);
    expect(await balanceOf(from)).toBe(60_00);
    expect(await balanceOf(to)).toBe(30_00);
  });

  it('given a command that fails, when retried with its key, then it runs again (failures are not stored)', async () => {
    const accountId = await open(0);
    const idempotency = key();

    await expect(accounts.withdraw(accountId, { amount: 5_00 }, ctx(idempotency))).rejects.toMatchObject({
      code: 'insufficient_funds',
    });
    await accounts.deposit(accountId, { amount: 5_00 }, ctx());
    const retried = await accounts.withdraw(accountId, { amount: 5_00 }, ctx(idempotency));

    expect(retried).toEqual({ result: { balance: 0, version: 3 }, replayed: false });
  });
});

describe('snapshots and time travel', () => {
  it(`given ${4 * SNAPSHOT_EVERY} events, then snapshots every ${SNAPSHOT_EVERY} and loads agree with the full fold`, async () => {
    const accountId = await open(0);
    for (let i = 1; i < 4 * SNAPSHOT_EVERY; i += 1) await accounts.deposit(accountId, { amount: i }, ctx());

    const { rows } = await pool.query<{ version: number }>(
      'SELECT version FROM event_store.snapshots WHERE stream_id = $1 ORDER BY version',
      [accountId],
    );
    expect(rows.map((row) => row.version)).toEqual([5, 10, 15, 20]);
    const expectedBalance = ((4 * SNAPSHOT_EVERY - 1) * 4 * SNAPSHOT_EVERY) / 2;
    expect(await accounts.getAccount(accountId)).toMatchObject({ balance: expectedBalance, version: 20 });
    // Version 12 = snapshot 10 + events 11, 12; deposits 1..11 were made by then.
    expect(await accounts.getAccount(accountId, { version: 12 })).toMatchObject({ balance: 66, version: 12 });
    expect(await accounts.getAccount(accountId, { version: 21 })).toBeNull();
  });

  it('given a snapshot that disagrees with its row, then loading fails loudly', async () => {
    const accountId = await open(0);
    await withTransaction(pool, (tx) =>
      tx.query(
        `INSERT INTO event_store.snapshots (stream_id, version, schema_version, state) VALUES ($1, 1, 1, $2::jsonb)`,
        [accountId, JSON.stringify({ status: 'open', id: accountId, balance: 'lots' })],
      ),
    );

    await expect(accounts.getAccount(accountId)).rejects.toThrow(/snapshot/);
  });

  it('given a history over time, when asking asOf an event time, then the state right after that event', async () => {
    const accountId = await open(1_00);
    await accounts.deposit(accountId, { amount: 2_00 }, ctx());
    const [opened, deposited] = (await accounts.getHistory(accountId)) ?? [];
    await afterDatabaseClockPasses(pool, deposited!.timestamp);
    await accounts.deposit(accountId, { amount: 3_00 }, ctx());

    const atSecond = await accounts.getAccount(accountId, { asOf: deposited!.timestamp });
    const before = await accounts.getAccount(accountId, { asOf: new Date(opened!.timestamp.getTime() - 1) });

    expect(atSecond).toMatchObject({ balance: 3_00, version: 2 });
    expect(before).toBeNull();
  });
});

describe('history', () => {
  it('given 7 events, when paging with fromVersion and limit, then ascending pages of event ids', async () => {
    const accountId = await open(0);
    for (let i = 0; i < 6; i += 1) await accounts.deposit(accountId, { amount: 1_00 }, ctx());

    const first = await accounts.getHistory(accountId, { limit: 3 });
    const second = await accounts.getHistory(accountId, { fromVersion: 4, limit: 3 });
    const last = await accounts.getHistory(accountId, { fromVersion: 7, limit: 3 });
    const beyond = await accounts.getHistory(accountId, { fromVersion: 8 });

    expect(first?.map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(second?.map((entry) => entry.version)).toEqual([4, 5, 6]);
    expect(last?.map((entry) => entry.version)).toEqual([7]);
    expect(beyond).toEqual([]);
    expect(first?.[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'AccountCreated',
      version: 1,
      timestamp: expect.any(Date),
      data: expect.objectContaining({ accountId, initialBalance: 0, description: 'Initial deposit' }),
      // This layer's specs act as a trusted in-process caller: no actor is recorded.
      actor: null,
    });
    expect(new Set([...(first ?? []), ...(second ?? [])].map((entry) => entry.id)).size).toBe(6);
  });

  it('given an unknown account, then null', async () => {
    expect(await accounts.getHistory(randomUUID())).toBeNull();
    expect(await accounts.getAccount(randomUUID())).toBeNull();
  });

  it('given a stored event that cannot be decoded, then reads fail instead of skipping it', async () => {
    const accountId = await open(0);
    await appendToStream(pool, {
      streamId: accountId,
      streamType: 'account',
      expectedVersion: 1,
      events: [{ type: 'MoneyDeposited', data: { amount: 'ten' }, metadata: { schemaVersion: 1 } }],
    });

    await expect(accounts.getAccount(accountId)).rejects.toBeInstanceOf(UndecodableEventError);
    await expect(accounts.getHistory(accountId)).rejects.toBeInstanceOf(UndecodableEventError);
    await expect(accounts.deposit(accountId, { amount: 1 }, ctx())).rejects.toBeInstanceOf(UndecodableEventError);
  });
});
