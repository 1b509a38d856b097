import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';
import { logger } from '../observability/logger';
import { createDirectPool, withTransaction } from './pool';

// In a Lambda package the bundle sits elsewhere than this file; the SQL files are packaged at the task root.
export const MIGRATIONS_DIR = process.env.LAMBDA_TASK_ROOT
  ? path.join(process.env.LAMBDA_TASK_ROOT, 'migrations')
  : path.resolve(__dirname, '../../../migrations');

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_402_114_001;

interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

/**
 * Applies pending migrations in order, each in its own transaction, under a transaction-scoped advisory lock so
 * that concurrent starters (several Lambdas, tests, `npm start`) apply each file exactly once. An applied file whose
 * content changed is refused: migrations are append-only. Needs the owner (DDL, CREATE ROLE): give it
 * createDirectPool(). Each migration is one transaction, so it also passes through a transaction pooler.
 * `statementTimeoutMs` bounds each statement (SET LOCAL, per migration transaction); default 0, none: a migration may
 * rewrite a large table (the application's timeouts are for its queries).
 */
export async function migrate(
  pool: Pool,
  dir = MIGRATIONS_DIR,
  { statementTimeoutMs = 0 }: { statementTimeoutMs?: number } = {},
): Promise<number> {
  const migrations = await loadMigrations(dir);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS public.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  let applied = 0;
  for (const migration of migrations) {
    const didApply = await withTransaction(
      pool,
      async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        const existing = await tx.query<{ checksum: string }>(
          'SELECT checksum FROM public.schema_migrations WHERE version = $1',
          [migration.version],
        );
        const row = existing.rows[0];
        if (row) {
          if (row.checksum !== migration.checksum) {
            throw new Error(`Migration ${migration.name} was edited after it was applied; add a new migration instead`);
          }
          return false;
        }
        await tx.query(migration.sql);
        await tx.query('INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        return true;
      },
      { statementTimeoutMs },
    );
    if (didApply) {
      applied += 1;
      logger.info('Migration applied', { migration: migration.name });
    }
  }
  return applied;
}

/** `npm run migrate`: the migrations on the owner's connection (createDirectPool; lib/platform/config/env.ts). */
export async function migrateDatabase(): Promise<{ applied: number }> {
  const owner = createDirectPool({ max: 1 });
  try {
    return { applied: await migrate(owner) };
  } finally {
    await owner.end();
  }
}
