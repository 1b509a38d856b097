import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { requestRepublish } from '../../lib/outbox/relay/republish-requests';
import { getConfig } from '../../lib/platform/config/env';
import { getPool } from '../../lib/platform/db/pool';
import { logger } from '../../lib/platform/observability/logger';
import { deadLetterKafka, readDeadLetter, type DeadLetterView } from '../../lib/queries/dead-letters';
import { signedInPage } from '../../lib/presentation/web/auth';
import { republishFlashCookie } from '../../lib/presentation/web/flash';
import { htmlResponse, parseForm, redirect } from '../../lib/presentation/web/http';
import { republishRefusedPage } from '../../lib/presentation/web/pages/explorer';
import { badForm, csrfValid, forbiddenForm, isCrossSitePost, notFound } from '../../lib/presentation/web/session';

const PAGE = '/explorer/dead-letters';
const PARTITION = /^\d{1,9}$/;
const OFFSET = /^\d{1,19}$/;

/**
 * POST /explorer/dead-letters/{partition}/{offset}/republish (admins): asks for a dead letter to be re-published after
 * a fix. The dead letter is read from Kafka only for its event id; what the relay will publish is the event store's
 * event with that id, mapped as it maps every event. No such message → 404; no event id, or one the store does not
 * hold (a forged message) → 422 and nothing recorded. Otherwise the request is recorded (one per dead letter), the
 * relay is handed off to, and the browser goes back to the page (303) with a one-time notice.
 */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const { partition, offset } = event.pathParameters ?? {};
  if (!partition || !offset || !PARTITION.test(partition) || !OFFSET.test(offset)) return notFound();
  if (isCrossSitePost(event)) return forbiddenForm(PAGE);
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, PAGE);
  if (!(await csrfValid(event, form.fields))) return forbiddenForm(PAGE);

  const { KAFKA_DLQ_TOPIC: deadLetterTopic, KAFKA_TOPIC: topic } = getConfig();
  const at = { partition: Number(partition), offset: BigInt(offset).toString() };
  let letter: DeadLetterView | undefined;
  try {
    letter = await readDeadLetter(deadLetterKafka(), deadLetterTopic, at, { timeoutMs: 8_000 });
  } catch (error) {
    logger.warn('Re-publish: the dead letter could not be read from Kafka', { error: error as Error, ...at });
    return htmlResponse(
      503,
      republishRefusedPage('Kafka unavailable', 'The dead letter could not be read from Kafka; try again shortly.'),
      { headers: { 'retry-after': '5' } },
    );
  }
  if (!letter) return notFound();
  if (!letter.eventId) {
    return refused('This dead letter carries no event id, so no event of the store can be re-published for it.');
  }
  const answer = await requestRepublish(getPool(), {
    eventId: letter.eventId,
    topic,
    deadLetter: { topic: deadLetterTopic, ...at },
    requestedBy: caller.username,
  });
  if (answer.status === 'not-in-store') {
    logger.warn('Re-publish refused: the event store has no such event', { eventId: letter.eventId, ...at });
    return refused(
      `The event store has no event ${letter.eventId}: this message was not written by it (forged or damaged), and only the store's own events are re-published.`,
    );
  }
  if (answer.status === 'requested') {
    logger.info('Re-publish requested', { requestId: answer.requestId, eventId: letter.eventId, ...at });
    await handOffToRelay();
  }
  const outcome = answer.status === 'requested' ? (answer.retried ? 'retried' : 'requested') : 'already-requested';
  return redirect(PAGE, [republishFlashCookie(event, { ...at, outcome })]);
}, 'admins');

function refused(reason: string) {
  return htmlResponse(422, republishRefusedPage('Cannot re-publish this dead letter', reason));
}
