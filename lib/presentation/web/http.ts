import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyBytes, declaredCharsetIsUtf8, decodeBodyText, parseMediaType } from '../http/body';
import { correlationIdFrom } from '../http/correlation';
import { getHeader, requestMethod, requestPath } from '../http/request';
import { SecretUnavailableError } from '../../platform/config/secrets';
import { isDatabaseUnavailable } from '../../platform/db/unavailable';
import { logger, REQUEST_LOG_MESSAGE, withLogContext } from '../../platform/observability/logger';
import { continueOrStartTrace, TRACEPARENT_HEADER } from '../../platform/observability/trace';
import type { SafeHtml } from './html';

export type WebEvent = APIGatewayProxyEventV2;
export type WebResult = APIGatewayProxyStructuredResultV2;

/**
 * Scripts and styles come from /assets only (the one script: freshness polling on report pages, fetching our own
 * API). Swagger UI gets its own, looser policy.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

export function lowerCaseHeaders(event: Pick<WebEvent, 'headers'>): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** Cookies of a payload-v2 event (API Gateway moves them to `cookies`; a raw Cookie header is read as well). */
export function readCookies(event: Pick<WebEvent, 'cookies' | 'headers'>): Map<string, string> {
  const pairs = [...(event.cookies ?? [])];
  const header = lowerCaseHeaders(event).cookie;
  if (header) pairs.push(...header.split(';'));
  const cookies = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim());
  }
  return cookies;
}

export function isSecureRequest(event: Pick<WebEvent, 'headers'>): boolean {
  const proto = lowerCaseHeaders(event)['x-forwarded-proto'];
  return proto ? proto.split(',')[0]?.trim() === 'https' : process.env.IS_OFFLINE !== 'true';
}

export function htmlResponse(
  statusCode: number,
  page: SafeHtml,
  options: { cookies?: string[]; headers?: Record<string, string> } = {},
): WebResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': PAGE_CSP,
      ...SECURITY_HEADERS,
      ...options.headers,
    },
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    body: page.value,
  };
}

/** Post/redirect/get: 303 so that the browser follows with a GET. */
export function redirect(location: string, cookies: string[] = []): WebResult {
  return {
    statusCode: 303,
    headers: { location, 'cache-control': 'no-store', ...SECURITY_HEADERS },
    ...(cookies.length ? { cookies } : {}),
    body: '',
  };
}

export function textAsset(body: string, contentType: string, cacheSeconds = 300): WebResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': contentType,
      'cache-control': `public, max-age=${cacheSeconds}`,
      ...SECURITY_HEADERS,
    },
    body,
  };
}

export const MAX_FORM_BYTES = 16 * 1024;

export type FormParse =
  { ok: true; fields: Map<string, string> } | { ok: false; status: 400 | 413 | 415; reason: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * One name or value of an urlencoded body: '+' is a space, %XX a byte, and the bytes must be UTF-8 — unlike
 * URLSearchParams, which turns %FF into U+FFFD. A '%' without two hex digits stays as typed (WHATWG).
 */
export function decodeFormComponent(raw: string): string | undefined {
  const input = Buffer.from(raw.replaceAll('+', ' '), 'utf8');
  const bytes = Buffer.alloc(input.length);
  let length = 0;
  for (let at = 0; at < input.length; at += 1) {
    const byte = input[at] as number;
    const hex = byte === 0x25 ? input.subarray(at + 1, at + 3).toString('latin1') : '';
    if (HEX.test(hex)) {
      bytes[length++] = Number.parseInt(hex, 16);
      at += 2;
    } else {
      bytes[length++] = byte;
    }
  }
  try {
    return UTF8.decode(bytes.subarray(0, length));
  } catch {
    return undefined;
  }
}

/**
 * An application/x-www-form-urlencoded body (first value of each name), bounded in size, in UTF-8: another declared
 * charset is a 415, bytes (raw or percent-encoded) that are not UTF-8 a 400 — never replaced by U+FFFD.
 */
export function parseForm(event: Pick<WebEvent, 'body' | 'isBase64Encoded' | 'headers'>): FormParse {
  const contentType = lowerCaseHeaders(event)['content-type'] ?? '';
  if (parseMediaType(contentType).essence !== 'application/x-www-form-urlencoded') {
    return { ok: false, status: 415, reason: 'Forms must be sent as application/x-www-form-urlencoded' };
  }
  if (!declaredCharsetIsUtf8(contentType)) return { ok: false, status: 415, reason: 'Forms must be sent in UTF-8' };
  if (bodyBytes(event) > MAX_FORM_BYTES) return { ok: false, status: 413, reason: 'The form is too large' };
  const notUtf8 = { ok: false, status: 400, reason: 'The form was not sent as valid UTF-8 text' } as const;
  let text: string;
  try {
    text = decodeBodyText(event);
  } catch {
    return notUtf8;
  }
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeFormComponent(at === -1 ? pair : pair.slice(0, at));
    const value = decodeFormComponent(at === -1 ? '' : pair.slice(at + 1));
    if (name === undefined || value === undefined) return notUtf8;
    if (!fields.has(name)) fields.set(name, value);
  }
  return { ok: true, fields };
}

/**
 * Runs a web handler in its request's log context and writes the request's one log line (the 'HTTP request' item
 * the API handlers' correlation() middleware writes too), whatever the outcome.
 */
export function withRequestLog(
  handle: (event: WebEvent, correlationId: string) => Promise<WebResult>,
): (event: WebEvent) => Promise<WebResult> {
  return (event) => {
    const startedAt = Date.now();
    const correlationId = correlationIdFrom(event);
    const trace = continueOrStartTrace(getHeader(event, TRACEPARENT_HEADER));
    return withLogContext({ correlationId, trace }, async () => {
      let status = 500;
      try {
        const result = await handle(event, correlationId);
        status = result.statusCode ?? 200;
        return result;
      } finally {
        logger.info(REQUEST_LOG_MESSAGE, {
          method: requestMethod(event),
          path: requestPath(event),
          routeKey: event.routeKey,
          status,
          durationMs: Date.now() - startedAt,
        });
      }
    });
  };
}

/** Runs a page handler; anything unexpected is logged and answered with a plain error page, never a stack. */
export function webHandler(
  render: (event: WebEvent, correlationId: string) => Promise<WebResult>,
  errorPage: (correlationId: string) => SafeHtml,
): (event: WebEvent) => Promise<WebResult> {
  return withRequestLog(async (event, correlationId) => {
    try {
      const result = await render(event, correlationId);
      return { ...result, headers: { ...result.headers, 'x-correlation-id': correlationId } };
    } catch (error) {
      // The same page either way; the status tells a client whether retrying can help: a dependency that could not
      // answer (the database, Secrets Manager for a key the page needs) is a 503.
      const unavailable = isDatabaseUnavailable(error)
        ? 'the database is unreachable'
        : error instanceof SecretUnavailableError
          ? 'a secret could not be read'
          : undefined;
      if (unavailable) {
        logger.warn(`Page unavailable: ${unavailable}`, { error: error as Error, path: event.rawPath });
        return htmlResponse(503, errorPage(correlationId), {
          headers: { 'x-correlation-id': correlationId, 'retry-after': '2' },
        });
      }
      logger.error('Page failed', { error: error as Error, path: event.rawPath });
      return htmlResponse(500, errorPage(correlationId), { headers: { 'x-correlation-id': correlationId } });
    }
  });
}
