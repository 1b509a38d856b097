import { closePool, getPool } from './pool';
import { migrate } from './migrate';

// `npm run migrate`: applies pending migrations to DATABASE_URL.
async function main(): Promise<void> {
  try {
    const applied = await migrate(getPool());
    process.stdout.write(`Migrations applied: ${applied}\n`);
  } finally {
    await closePool();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
