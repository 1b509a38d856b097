import { migrateDatabase } from './migrate';

// `npm run migrate`: applies pending migrations on the direct connection as the owner (MIGRATION_DATABASE_URL, else
// DATABASE_URL; on AWS the MIGRATION_DB_* variables, see lib/platform/config/env.ts).
async function main(): Promise<void> {
  const { applied } = await migrateDatabase();
  process.stdout.write(`Migrations applied: ${applied}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
