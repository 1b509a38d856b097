import middy from '@middy/core';
import type { z } from 'zod';
import type { CommandContext } from '../../commands/accounts/types';
import { bodyLimit, parseJsonBody, requireJsonContentType } from './body';
import { correlation, withCorrelation } from './correlation';
import { problemErrors } from './errors';
import { idempotencyKey } from './idempotency';
import { HttpProblem } from './problem';
import { getRequestState, type HttpEvent, type HttpResult } from './request';
import { validate, validateJsonBody } from './validation';

export interface RouteSpec<TPath, TQuery, TBody> {
  /** Path parameters. A value that fails it names a resource that cannot exist: 404, never 400. */
  path?: z.ZodType<TPath>;
  /** The 404 to answer when `path` fails; a generic one by default. */
  pathNotFound?: (pathParameters: Record<string, string | undefined>) => HttpProblem;
  query?: z.ZodType<TQuery>;
  /** Presence makes this a JSON-body route: size limit, content type, parsing, Idempotency-Key. */
  body?: z.ZodType<TBody>;
}

export interface HttpRequest<TPath, TQuery, TBody> {
  event: HttpEvent;
  path: TPath;
  query: TQuery;
  body: TBody;
  correlationId: string;
  command: CommandContext;
}

const genericNotFound = () => new HttpProblem(404, { type: 'not-found', detail: 'No resource exists at this path.' });

/**
 * The middy stack every HTTP function uses, inside withCorrelation(). Order matters: correlation() is outermost (its
 * onError runs last, after problemErrors() has built the response); body checks run cheapest first: size, media type,
 * syntax, then the Idempotency-Key, then path (404), query (400) and body (400) validation.
 */
export function httpHandler<TPath = undefined, TQuery = undefined, TBody = undefined>(
  spec: RouteSpec<TPath, TQuery, TBody>,
  handle: (request: HttpRequest<TPath, TQuery, TBody>) => Promise<HttpResult>,
) {
  const stack = middy<HttpEvent, HttpResult>().use(correlation()).use(problemErrors());
  if (spec.body) stack.use([bodyLimit(), requireJsonContentType(), parseJsonBody(), idempotencyKey()]);

  const handler = stack.handler(async (event) => {
    const state = getRequestState(event);
    if (!state) throw new Error('httpHandler: request state missing');
    const pathParameters = event.pathParameters ?? {};
    let path = undefined as TPath;
    if (spec.path) {
      const parsed = spec.path.safeParse(pathParameters);
      if (!parsed.success) throw (spec.pathNotFound ?? genericNotFound)(pathParameters);
      path = parsed.data;
    }
    const query = spec.query
      ? validate(spec.query, event.queryStringParameters ?? {}, 'query', 'The query parameters are invalid.')
      : (undefined as TQuery);
    const body = spec.body
      ? validateJsonBody(spec.body, state.json, state.numberSources, 'The request body is invalid.')
      : (undefined as TBody);
    const command: CommandContext = { correlationId: state.correlationId };
    if (state.idempotency) command.idempotency = state.idempotency;
    return handle({ event, path, query, body, correlationId: state.correlationId, command });
  });
  return withCorrelation(handler);
}
