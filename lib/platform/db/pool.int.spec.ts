import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client, type Pool } from 'pg';
import { testProfile } from '../../../test/support/test-run';
import { getConfig } from '../config/env';
import { createDirectPool, createPool, withTransaction } from './pool';

let pool: Pool;
let admin: Pool;
beforeAll(() => {
  pool = createPool({ max: 1 });
  admin = createDirectPool({ max: 1 });
});
afterAll(async () => {
  await Promise.all([pool.end(), admin.end()]);
});

function runChild(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a connection ended by the server', () => {
  it('given a checked-out client mid-transaction, when its backend is terminated, then the process survives and the next query works', async () => {
    // when (in a process of its own: an unhandled 'error' event would end it)
    const child = await runChild('terminated-backend.child.ts');

    // then
    expect({ code: child.code, stderr: child.stderr }).toEqual({ code: 0, stderr: '' });
    const outcome = JSON.parse(child.stdout) as { transaction: string; next: number };
    expect(outcome.transaction).toMatch(/^failed: /);
    expect(outcome.next).toBe(42);
  });

  it('given the same in this process, then the transaction fails, the client is discarded and the pool carries on', async () => {
    let pid = 0;
    await expect(
      withTransaction(pool, async (tx) => {
        pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await tx.query('SELECT 1');
      }),
    ).rejects.toThrow();

    const next = await withTransaction(pool, async (tx) => {
      return (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    });
    expect(next).not.toBe(pid);
    expect((await pool.query<{ n: number }>('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
  });
});

describe('statement timeouts', () => {
  const setting = async (db: Pool | { query: Pool['query'] }): Promise<string> =>
    (await db.query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'statement_timeout'`)).rows[0]!
      .setting;

  it('given a transaction, then its statements run under DB_STATEMENT_TIMEOUT_MS, set for that transaction only', async () => {
    expect(await withTransaction(pool, (tx) => setting(tx))).toBe(String(getConfig().DB_STATEMENT_TIMEOUT_MS));
    expect(await withTransaction(pool, (tx) => setting(tx), { statementTimeoutMs: 1_234 })).toBe('1234');
  });

  it('given a transaction with its own timeout, when a statement runs longer, then it is cancelled, and the next statement on the pool is not bound by it', async () => {
    await expect(
      withTransaction(pool, (tx) => tx.query('SELECT pg_sleep(5)'), { statementTimeoutMs: 50 }),
    ).rejects.toMatchObject({ code: '57014' });
    expect(await setting(pool)).not.toBe('50');
  });

  it('refuses to pass timeouts as startup parameters (a transaction pooler refuses them)', () => {
    expect(() => createPool({ statement_timeout: 1_000 })).toThrow(/startup parameters/);
  });
});

(testProfile() === 'pooled' ? describe : describe.skip)('the pooled profile', () => {
  it('given DATABASE_URL, then it is a transaction pooler with default settings: a startup parameter is refused', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL, statement_timeout: 1_000 });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow(/unsupported startup parameter: statement_timeout/);
    await client.end().catch(() => undefined);
  });
});
