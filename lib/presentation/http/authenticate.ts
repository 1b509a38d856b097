import {
  InvalidTokenError,
  issuerSettingsFromEnv,
  KeySetUnavailableError,
  verifyAccessToken,
  type Caller,
} from '../../platform/auth/verify-token';
import { logger } from '../../platform/observability/logger';
import { HttpProblem } from './problem';
import { isSecureRequest, readCookies } from '../web/http';
import { getHeader, getRequestState, requestMethod, type HttpEvent, type HttpMiddleware } from './request';

/** Who may call a route: anyone, any signed-in user, or admins only. */
export type Access = 'public' | 'signed-in' | 'admins';

const REALM = 'ledgerline';

function unauthorized(detail: string, error?: { code: string; description: string }): HttpProblem {
  const challenge = error
    ? `Bearer realm="${REALM}", error="${error.code}", error_description="${error.description.replaceAll('"', "'")}"`
    : `Bearer realm="${REALM}"`;
  return new HttpProblem(401, { type: 'unauthorized', detail, headers: { 'WWW-Authenticate': challenge } });
}

export function forbidden(detail: string): HttpProblem {
  return new HttpProblem(403, { type: 'forbidden', detail });
}

/** The bearer token of an `Authorization: Bearer <token>` header; undefined without one. */
export function bearerToken(event: Pick<HttpEvent, 'headers'>): string | undefined {
  const header = getHeader(event, 'authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match?.[1])
    throw unauthorized('The Authorization header must be "Bearer <access token>".', {
      code: 'invalid_request',
      description: 'Malformed Authorization header',
    });
  return match[1];
}

/**
 * The caller a token names, verified against the issuer's JWKS (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL): the same
 * code on AWS (Cognito's keys) and locally (the local issuer's). A missing or refused token is a 401 with a
 * WWW-Authenticate challenge; an unreachable key set a 503.
 */
export async function verifyCaller(token: string | undefined): Promise<Caller> {
  if (token === undefined) throw unauthorized('This resource requires a bearer access token.');
  try {
    return await verifyAccessToken(token, issuerSettingsFromEnv());
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      throw unauthorized(`The access token was refused: ${error.reason}.`, {
        code: 'invalid_token',
        description: error.reason,
      });
    }
    if (error instanceof KeySetUnavailableError) {
      logger.warn('Token issuer key set unavailable', { error });
      throw new HttpProblem(503, {
        type: 'service-unavailable',
        detail: 'Access tokens cannot be verified right now; retry shortly.',
        headers: { 'Retry-After': '2' },
      });
    }
    throw error;
  }
}

export function requireAccess(caller: Caller, access: Access): void {
  if (access === 'admins' && caller.role !== 'admin') throw forbidden('Only admins may use this resource.');
}

/** The pages' session cookie (lib/presentation/web/auth.ts sets it): `__Host-` prefixed over HTTPS. */
export function tokenCookieName(secure: boolean): string {
  return secure ? `__Host-${TOKEN_COOKIE}` : TOKEN_COOKIE;
}

const TOKEN_COOKIE = 'ledgerline_token';

/**
 * Verifies the bearer token and keeps the caller in the request state; `admins` routes refuse others with 403.
 * A GET without an Authorization header may use the pages' session cookie instead (the report pages' own scripts
 * poll the API that way); commands never do: the API has no CSRF token, so a POST needs the header.
 */
export function authenticate(access: Exclude<Access, 'public'>): HttpMiddleware {
  return {
    before: async ({ event }) => {
      const header = bearerToken(event);
      const token =
        header === undefined && requestMethod(event) === 'GET'
          ? readCookies(event).get(tokenCookieName(isSecureRequest(event)))
          : header;
      const caller = await verifyCaller(token);
      requireAccess(caller, access);
      const state = getRequestState(event);
      if (state) state.caller = caller;
    },
  };
}
