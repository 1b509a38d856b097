/**
 * Run by pool.int.spec.ts in a process of its own (`node --import tsx`, the run's DATABASE_URL and
 * MIGRATION_DATABASE_URL in its env): a checked-out client's backend is terminated in the middle of a transaction.
 * An unhandled 'error' event would crash this process; instead it prints what the transaction saw and the answer of
 * the next query, then exits 0.
 */
import { createDirectPool, createPool, withTransaction } from './pool';

async function main(): Promise<void> {
  const pool = createPool({ max: 1 });
  const admin = createDirectPool({ max: 1 });
  try {
    let connectionEnded: Promise<unknown> = Promise.resolve();
    const transaction = await withTransaction(pool, async (tx) => {
      connectionEnded = new Promise((resolve) => tx.once('end', resolve));
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await tx.query('SELECT 1');
    }).then(
      () => 'committed',
      (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    // Every event of the dead connection has fired once it has ended.
    await connectionEnded;
    const next = await pool.query<{ answer: number }>('SELECT 42 AS answer');
    process.stdout.write(`${JSON.stringify({ transaction, next: next.rows[0]?.answer })}\n`);
  } finally {
    await Promise.all([pool.end(), admin.end()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
