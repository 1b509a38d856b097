import { findStack, localDataRoot, redact } from './stack-state';

/**
 * For the npm scripts that need the database (`npm run migrate`, `npm run projections:rebuild`): imported first, it
 * points them at the stack `npm start` is running when DATABASE_URL (or DB_SECRET_ARN) is not set, from the state
 * file that `npm start` keeps in <LOCAL_DATA_DIR or .local>/stack.json. No such stack: a clear message, exit code 1.
 */
function useRunningStack(env: NodeJS.ProcessEnv): void {
  if (env.DATABASE_URL || env.DB_SECRET_ARN || env.MIGRATION_DATABASE_URL || env.MIGRATION_DB_SECRET_ARN) return;
  const found = findStack(env);
  if (found.status === 'running') {
    env.DATABASE_URL = found.state.databaseUrl;
    env.KAFKA_BROKERS ||= found.state.kafkaBrokers.join(',');
    env.LOG_FORMAT ??= 'dev';
    process.stderr.write(
      `[local] using the stack of npm start (pid ${found.state.pid}): ${redact(found.state.databaseUrl)}\n`,
    );
    return;
  }
  const why =
    found.status === 'stale'
      ? `the npm start that wrote ${found.file} (pid ${found.state.pid}) is no longer running`
      : `no npm start is running with its data in ${localDataRoot(env)} (no ${found.file})`;
  process.stderr.write(
    `No database configured: DATABASE_URL is not set, and ${why}.\n` +
      'Start the local stack with `npm start` (in another terminal; with the same LOCAL_DATA_DIR if you gave it ' +
      'one), or set DATABASE_URL=postgres://user:password@host:port/db.\n',
  );
  process.exit(1);
}

useRunningStack(process.env);
