import { getPool } from '../../lib/platform/db/pool';
import { readCorrelation, readEvent, readGlobalLog, readStreamEvents } from '../../lib/queries/explorer';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse, type WebEvent, type WebResult } from '../../lib/presentation/web/http';
import {
  explorerCorrelationPage,
  explorerEventPage,
  explorerLogPage,
  explorerStreamPage,
} from '../../lib/presentation/web/pages/explorer';
import { notFound } from '../../lib/presentation/web/session';
import { isUuid } from '../../lib/platform/uuid';

export const EXPLORER_PAGE_SIZE = 50;
const POSITION = /^\d{1,19}$/;
const VERSION = /^\d{1,10}$/;

async function log(event: WebEvent): Promise<WebResult> {
  const afterText = event.queryStringParameters?.after;
  const after = afterText && POSITION.test(afterText) ? afterText : '0';
  const page = await readGlobalLog(getPool(), { after, limit: EXPLORER_PAGE_SIZE });
  const last = page.events.at(-1);
  const newest = BigInt(page.head) > BigInt(EXPLORER_PAGE_SIZE) ? BigInt(page.head) - BigInt(EXPLORER_PAGE_SIZE) : 0n;
  return htmlResponse(
    200,
    explorerLogPage({
      events: page.events,
      head: page.head,
      newestHref: `/explorer?after=${newest}`,
      pager: {
        previous: after !== '0' ? '/explorer' : undefined,
        previousLabel: '← Oldest',
        next: page.events.length === EXPLORER_PAGE_SIZE && last ? `/explorer?after=${last.globalPosition}` : undefined,
        nextLabel: 'Later →',
        label: last ? `Positions ${page.events[0]?.globalPosition}–${last.globalPosition}` : 'No events here',
      },
    }),
  );
}

async function stream(event: WebEvent, streamId: string): Promise<WebResult> {
  const fromText = event.queryStringParameters?.from;
  const fromVersion = fromText && VERSION.test(fromText) ? Math.max(1, Number(fromText)) : 1;
  const events = await readStreamEvents(getPool(), streamId, { fromVersion, limit: EXPLORER_PAGE_SIZE });
  if (events.length === 0 && fromVersion === 1) return notFound();
  const base = `/explorer/streams/${encodeURIComponent(streamId)}`;
  const last = events.at(-1);
  return htmlResponse(
    200,
    explorerStreamPage({
      streamId,
      events,
      pager: {
        previous: fromVersion > 1 ? base : undefined,
        previousLabel: '← First version',
        next: events.length === EXPLORER_PAGE_SIZE && last ? `${base}?from=${last.streamVersion + 1}` : undefined,
        nextLabel: 'Later versions →',
      },
    }),
  );
}

/**
 * The event explorer (read-only): GET /explorer (the global log in store order, ?after=<position>),
 * /explorer/streams/{id} (?from=<version>), /explorer/events/{id}, /explorer/correlations/{id}. Each event with its
 * metadata, the Kafka partition and offset the projector consumed it from, and whether the read models applied it.
 * Admins only: it shows every account's events and their actors.
 */
export const handler = signedInPage(async (event) => {
  const id = event.pathParameters?.id;
  const path = event.rawPath ?? '';
  if (path === '/explorer' || path === '/explorer/') return log(event);
  if (!id || id.length > 200) return notFound();
  if (path.startsWith('/explorer/streams/')) return stream(event, id);
  if (path.startsWith('/explorer/events/')) {
    const found = isUuid(id) ? await readEvent(getPool(), id.toLowerCase()) : undefined;
    return found ? htmlResponse(200, explorerEventPage(found)) : notFound();
  }
  if (path.startsWith('/explorer/correlations/')) {
    const events = await readCorrelation(getPool(), id, { limit: 200 });
    return events.length ? htmlResponse(200, explorerCorrelationPage(id, events)) : notFound();
  }
  return notFound();
}, 'admins');
