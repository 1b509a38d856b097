import { httpHandler } from '../../lib/presentation/http/handler';
import { HttpProblem } from '../../lib/presentation/http/problem';
import { getHeader, requestMethod, requestPath, type HttpEvent } from '../../lib/presentation/http/request';
import { htmlResponse } from '../../lib/presentation/web/http';
import { notFoundPage } from '../../lib/presentation/web/layout';

/** A browser asking for a page: GET/HEAD outside /api/, with text/html acceptable (browsers always send it). */
export function wantsHtmlPage(event: HttpEvent): boolean {
  const method = requestMethod(event);
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (requestPath(event).startsWith('/api/')) return false;
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(getHeader(event, 'accept') ?? '');
}

/**
 * Catch-all route (`httpApi: '*'`): every unknown route is a 404 — an HTML page for browsers, a problem+json for
 * API clients (and for anything under /api/), whatever the method.
 */
export const handler = httpHandler({ access: 'public' }, async ({ event }) => {
  if (wantsHtmlPage(event)) return htmlResponse(404, notFoundPage());
  throw new HttpProblem(404, {
    type: 'route-not-found',
    detail: `No route matches ${requestMethod(event)} ${requestPath(event)}.`,
  });
});
