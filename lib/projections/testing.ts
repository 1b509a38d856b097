import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../platform/db/pool';
import { ident, PROJECTION_TABLES } from './tables';

export interface ScratchReadModel {
  /** the schema's name (pass it as `schema` to the projection functions) */
  readonly schema: string;
  /** the spec file's own pool (available from beforeAll on) */
  readonly pool: Pool;
}

/**
 * Spec set-up (call at the top of a spec file): in beforeAll a pool of the file's own and a live read model of its own,
 * a schema named `${prefix}_<random>` whose tables are shaped like read_model's (the shared read model belongs to
 * the other specs of the run); in afterAll the schema is dropped and the pool ended.
 */
export function useScratchReadModel(prefix: string, poolOptions: { max: number }): ScratchReadModel {
  const schema = `${prefix}_${randomUUID().slice(0, 8)}`;
  let pool: Pool | undefined;
  beforeAll(async () => {
    pool = createPool(poolOptions);
    await pool.query(`CREATE SCHEMA ${ident(schema)}`);
    for (const table of PROJECTION_TABLES) {
      await pool.query(`CREATE TABLE ${ident(schema)}.${ident(table)} (LIKE read_model.${ident(table)} INCLUDING ALL)`);
    }
  });
  afterAll(async () => {
    if (!pool) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await pool.end();
  });
  return {
    schema,
    get pool(): Pool {
      if (!pool) throw new Error('useScratchReadModel: the pool exists from beforeAll on');
      return pool;
    },
  };
}
