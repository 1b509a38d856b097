import { getPool } from '../lib/platform/db/pool';
import { migrate } from '../lib/platform/db/migrate';
import { logger } from '../lib/platform/observability/logger';

/**
 * Applies pending migrations on AWS, where the database is only reachable from inside the VPC: run it after every
 * deploy with `npx serverless invoke -f migrate --stage aws`. Locally `npm start`, the tests and `npm run migrate`
 * apply them. Safe to run concurrently and repeatedly (advisory lock, checksums).
 */
export const handler = async (): Promise<{ applied: number }> => {
  const applied = await migrate(getPool());
  logger.info('Migrations done', { applied });
  return { applied };
};
