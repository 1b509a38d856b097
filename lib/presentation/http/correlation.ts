import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { logger, withLogContext } from '../../platform/observability/logger';
import { continueOrStartTrace, TRACEPARENT_HEADER } from '../../platform/observability/trace';
import {
  getHeader,
  getRequestState,
  requestMethod,
  requestPath,
  setRequestState,
  type HttpMiddleware,
  type HttpEvent,
  type HttpResult,
} from './request';

export const CORRELATION_HEADER = 'X-Correlation-Id';

// Echoed into a response header and into logs: printable ASCII without spaces, bounded.
const ACCEPTABLE_ID = /^[\x21-\x7e]{1,128}$/;

export function correlationIdFrom(event: Pick<HttpEvent, 'headers'>): string {
  const given = getHeader(event, CORRELATION_HEADER)?.trim();
  return given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}

/**
 * Outermost wrapper of every HTTP function: takes or makes the correlation id and runs the request in a log context
 * carrying it, so that every log line of the request, awaited or not, names it. The request is a span of the trace
 * its `traceparent` header names (a new trace without one): its events store it, the relay sends it on.
 */
export function withCorrelation(
  handler: (event: HttpEvent, context: Context) => Promise<HttpResult>,
): (event: HttpEvent, context: Context) => Promise<HttpResult> {
  return (event, context) => {
    const correlationId = correlationIdFrom(event);
    setRequestState(event, { correlationId, startedAt: Date.now() });
    const trace = continueOrStartTrace(getHeader(event, TRACEPARENT_HEADER));
    return withLogContext({ correlationId, trace }, () => handler(event, context));
  };
}

/**
 * Outermost middleware (inside withCorrelation): echoes the correlation id on every response (errors included: its
 * onError runs after the problem handler has built the response) and writes one structured access log line.
 */
export function correlation(): HttpMiddleware {
  const finish = (request: { event: HttpEvent; response: HttpResult | null }): void => {
    const state = getRequestState(request.event);
    if (!state || !request.response) return;
    request.response.headers = { ...request.response.headers, [CORRELATION_HEADER]: state.correlationId };
    logger.info('HTTP request', {
      method: requestMethod(request.event),
      path: requestPath(request.event),
      routeKey: request.event.routeKey,
      status: request.response.statusCode,
      durationMs: Date.now() - state.startedAt,
    });
  };
  return { after: finish, onError: finish };
}
