import { getPool } from '../lib/platform/db/pool';
import { httpHandler } from '../lib/presentation/http/handler';
import { jsonResponse } from '../lib/presentation/http/json';
import { checkKafka } from '../lib/platform/kafka/health';
import { logger } from '../lib/platform/observability/logger';

const CHECK_TIMEOUT_MS = 2_000;

type CheckResult = { status: 'Healthy' | 'Unhealthy'; durationMs: number; error?: string };

/** Runs one dependency check, bounded in time; a failure is reported, never thrown. */
async function runCheck(name: string, check: () => Promise<unknown>): Promise<CheckResult> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'Healthy', durationMs: Date.now() - startedAt };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.warn('Health check failed', { check: name, error: message });
    return { status: 'Unhealthy', durationMs: Date.now() - startedAt, error: message || 'Check failed' };
  } finally {
    clearTimeout(timer);
  }
}

// Bounded by runCheck's timeout; a query stuck past it is still ended by the role's statement_timeout (0005).
const checkPostgres = () => getPool().query('SELECT 1');

/** GET /health → 200 Healthy, or 503 Unhealthy with the failing check(s) carrying their error. */
export const handler = httpHandler({ access: 'public' }, async () => {
  const [postgres, kafka] = await Promise.all([
    runCheck('postgres', checkPostgres),
    runCheck('kafka', () => checkKafka()),
  ]);
  const healthy = postgres.status === 'Healthy' && kafka.status === 'Healthy';
  const failing = Object.entries({ postgres, kafka })
    .filter(([, result]) => result.status !== 'Healthy')
    .map(([name]) => name);
  return jsonResponse(
    healthy ? 200 : 503,
    {
      status: healthy ? 'Healthy' : 'Unhealthy',
      ...(healthy ? {} : { failing }),
      checks: { postgres, kafka },
    },
    { 'Cache-Control': 'no-store' },
  );
});
