import { getConfig } from '../../lib/platform/config/env';
import { getPool } from '../../lib/platform/db/pool';
import { logger } from '../../lib/platform/observability/logger';
import { deadLetterKafka, readDeadLetters, readRepublishStates } from '../../lib/queries/dead-letters';
import { signedInPage } from '../../lib/presentation/web/auth';
import { republishNotice, takeRepublishFlash } from '../../lib/presentation/web/flash';
import { htmlResponse } from '../../lib/presentation/web/http';
import { deadLettersPage } from '../../lib/presentation/web/pages/explorer';
import { formSession } from '../../lib/presentation/web/session';

const PER_PARTITION = 20;

/**
 * GET /explorer/dead-letters → the newest dead letters of each partition with their reason, each with its re-publish
 * state, whether the read models applied its event, and a re-publish button (Kafka away: said so). A re-publish
 * request's notice shows once.
 */
export const handler = signedInPage(async (event) => {
  const topic = getConfig().KAFKA_DLQ_TOPIC;
  const session = await formSession(event);
  const { flash, cookies } = takeRepublishFlash(event);
  const page = { topic, perPartition: PER_PARTITION, notice: flash ? republishNotice(flash) : undefined };
  const setCookies = [...session.cookies, ...cookies];
  let read: Awaited<ReturnType<typeof readDeadLetters>>;
  try {
    read = await readDeadLetters(deadLetterKafka(), topic, { perPartition: PER_PARTITION, timeoutMs: 8_000 });
  } catch (error) {
    logger.warn('Dead letters: Kafka unavailable', { error: error as Error });
    const reason = error instanceof Error ? error.message : String(error);
    return htmlResponse(503, deadLettersPage({ ...page, letters: [], total: 0, complete: false, error: reason }), {
      headers: { 'retry-after': '5' },
      cookies: setCookies,
    });
  }
  const states = await readRepublishStates(getPool(), topic, read.letters);
  return htmlResponse(200, deadLettersPage({ ...page, ...read, states, csrfToken: session.csrfToken }), {
    cookies: setCookies,
  });
}, 'admins');
