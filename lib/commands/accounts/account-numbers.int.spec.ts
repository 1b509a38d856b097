import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../platform/db/pool';
import { MIGRATIONS_DIR } from '../../platform/db/migrate';
import { createAccountService, type AccountService } from './service';

let pool: Pool;
let accounts: AccountService;

beforeAll(() => {
  pool = createPool({ max: 12 });
  accounts = createAccountService({ pool, snapshotEvery: 50 });
});

afterAll(async () => {
  await pool.end();
});

const suffix = () => randomBytes(6).toString('hex');
const open = (accountNumber: string) =>
  accounts.openAccount(
    { accountNumber, accountName: 'Everyday', ownerName: 'Ada Lovelace', initialBalance: 0 },
    { correlationId: randomUUID() },
  );

describe('account numbers are unique regardless of case', () => {
  it('given EU-… reserved, when opening eu-… or Eu-…, then account_already_exists and nothing is stored', async () => {
    const upper = `EU-${suffix().toUpperCase()}`;
    await open(upper);
    for (const spelling of [upper.toLowerCase(), `Eu-${upper.slice(3).toLowerCase()}`, upper]) {
      await expect(open(spelling)).rejects.toMatchObject({ code: 'account_already_exists' });
    }
    const { rows } = await pool.query(
      'SELECT account_number FROM event_store.account_numbers WHERE upper(account_number) = $1',
      [upper],
    );
    expect(rows).toEqual([{ account_number: upper }]);
  });

  it('given 10 concurrent opens with one number in different cases, then exactly one succeeds', async () => {
    const number = `cc-${suffix()}`;
    const spellings = Array.from({ length: 10 }, (_, i) =>
      [...number].map((char, j) => ((i >> (j % 4)) & 1 ? char.toUpperCase() : char)).join(''),
    );
    const outcomes = await Promise.allSettled(spellings.map((spelling) => open(spelling)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'account_already_exists' });
    }
  });
});

describe('migration 0006 on numbers reserved before it', () => {
  it('given numbers that differ only in case, when migrated, then the earliest keeps the number and no new spelling can take it', async () => {
    const sql = await readFile(path.join(MIGRATIONS_DIR, '0006_account_numbers_case_insensitive.sql'), 'utf8');
    const base = `LEGACY-${suffix().toUpperCase()}`;
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    const client = await pool.connect();
    try {
      // The table as it was before 0006, inside a transaction that is rolled back (the lock is held for milliseconds).
      await client.query('BEGIN');
      await client.query('DROP INDEX event_store.account_numbers_upper_key');
      await client.query('ALTER TABLE event_store.account_numbers DROP COLUMN case_duplicate');
      await client.query(
        `INSERT INTO event_store.account_numbers (account_number, account_id, created_at)
         VALUES ($1, $2, now() - interval '3 days'), ($3, $4, now() - interval '2 days'), ($5, $6, now() - interval '1 day')`,
        [base.toLowerCase(), first, base, second, `other-${base}`, third],
      );
      await client.query(sql);

      const { rows } = await client.query<{ account_id: string; case_duplicate: boolean }>(
        `SELECT account_id, case_duplicate FROM event_store.account_numbers WHERE account_id = ANY($1) ORDER BY created_at`,
        [[first, second, third]],
      );
      expect(rows).toEqual([
        { account_id: first, case_duplicate: false },
        { account_id: second, case_duplicate: true },
        { account_id: third, case_duplicate: false },
      ]);
      const retry = await client.query(
        `INSERT INTO event_store.account_numbers (account_number, account_id) VALUES ($1, $2)
         ON CONFLICT ((upper(account_number))) WHERE NOT case_duplicate DO NOTHING`,
        [`${base.slice(0, 3).toLowerCase()}${base.slice(3)}`, randomUUID()],
      );
      expect(retry.rowCount).toBe(0);
      const exact = await client.query(
        `INSERT INTO event_store.account_numbers (account_number, account_id) VALUES ($1, $2)
         ON CONFLICT ((upper(account_number))) WHERE NOT case_duplicate DO NOTHING`,
        [base, randomUUID()],
      );
      expect(exact.rowCount).toBe(0);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
