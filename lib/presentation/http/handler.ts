import middy from '@middy/core';
import type { z } from 'zod';
import type { CommandContext } from '../../commands/accounts/types';
import type { Caller } from '../../platform/auth/verify-token';
import { authenticate, type Access } from './authenticate';
import { bodyLimit, parseJsonBody, requireJsonContentType } from './body';
import { correlation, withCorrelation } from './correlation';
import { problemErrors } from './errors';
import { idempotencyKey } from './idempotency';
import { HttpProblem } from './problem';
import { getRequestState, type HttpEvent, type HttpResult } from './request';
import { validate, validateJsonBody } from './validation';

export interface RouteSpec<TPath, TQuery, TBody, TAccess extends Access = Access> {
  /** Who may call it (./authenticate.ts): every route but the public ones needs a verified bearer token. */
  access?: TAccess;
  /** Path parameters. A value that fails it names a resource that cannot exist: 404, never 400. */
  path?: z.ZodType<TPath>;
  /** The 404 to answer when `path` fails; a generic one by default. */
  pathNotFound?: (pathParameters: Record<string, string | undefined>) => HttpProblem;
  query?: z.ZodType<TQuery>;
  /** Presence makes this a JSON-body route: size limit, content type, parsing, Idempotency-Key. */
  body?: z.ZodType<TBody>;
}

export interface HttpRequest<TPath, TQuery, TBody, TCaller = Caller> {
  event: HttpEvent;
  /** The verified caller; undefined on public routes only. */
  caller: TCaller;
  path: TPath;
  query: TQuery;
  body: TBody;
  correlationId: string;
  command: CommandContext;
}

const genericNotFound = () => new HttpProblem(404, { type: 'not-found', detail: 'No resource exists at this path.' });

/**
 * The middy stack every HTTP function uses, inside withCorrelation(). Order matters: correlation() is outermost (its
 * onError runs last, after problemErrors() has built the response); the bearer token is verified before anything
 * about the request is looked at (401/403 first); body checks run cheapest first: size, media type, syntax, then the
 * Idempotency-Key, then path (404), query (400) and body (400) validation.
 */
export function httpHandler<
  TPath = undefined,
  TQuery = undefined,
  TBody = undefined,
  TAccess extends Access = 'signed-in',
>(
  spec: RouteSpec<TPath, TQuery, TBody, TAccess>,
  handle: (
    request: HttpRequest<TPath, TQuery, TBody, TAccess extends 'public' ? undefined : Caller>,
  ) => Promise<HttpResult>,
) {
  const access: Access = spec.access ?? 'signed-in';
  const stack = middy<HttpEvent, HttpResult>().use(correlation()).use(problemErrors());
  if (access !== 'public') stack.use(authenticate(access));
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
    const caller = state.caller as TAccess extends 'public' ? undefined : Caller;
    if (access !== 'public' && !state.caller) throw new Error('httpHandler: caller missing');
    const command: CommandContext = { correlationId: state.correlationId };
    if (state.idempotency) command.idempotency = state.idempotency;
    if (state.caller) command.caller = state.caller;
    return handle({ event, caller, path, query, body, correlationId: state.correlationId, command });
  });
  return withCorrelation(handler);
}
