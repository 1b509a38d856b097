import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getSecretString } from '../../platform/config/secrets';

/**
 * CSRF protection for the HTML forms: a token bound to a server-issued, signed session.
 *
 * The browser holds a session cookie (HttpOnly, SameSite=Strict; `__Host-` prefixed over HTTPS, so no sibling
 * domain can set it) whose value is `<session id>.<HMAC-SHA256(secret, session id)>`: only the server can issue a
 * session, and a cookie it did not sign is replaced by a new one, never adopted. Every form carries
 * HMAC-SHA256(secret, session id) under another label in a hidden field; a POST is accepted only when that field is
 * the token of the cookie's (verified) session, compared in constant time. The client chooses neither value: a
 * cookie planted with a chosen id is not a session, and a token from another session does not match.
 *
 * Before the token, requests a browser marks as coming from another site are refused (isCrossSiteRequest below,
 * OWASP's Fetch Metadata and Origin checks).
 *
 * The secret comes from WEB_CSRF_SECRET (≥ 32 characters) or, on AWS, from the Secrets Manager secret named by
 * WEB_CSRF_SECRET_ARN, read once per container (lib/platform/config/secrets.ts) by the first form page or post, which
 * awaits it (loadCsrf). Without either, outside AWS, a random secret is generated once per process (shared by
 * serverless-offline's worker threads through a 0600 file in the temp directory). Inside a real Lambda one of them is
 * required: containers could not agree on a generated one.
 */
export const SESSION_COOKIE = 'll_session';
/** The name over HTTPS: browsers accept a `__Host-` cookie only from the host itself, Secure, Path=/, no Domain. */
export const SECURE_SESSION_COOKIE = '__Host-ll_session';
export const CSRF_FIELD = '_csrf';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

export class CsrfConfigError extends Error {
  override name = 'CsrfConfigError';
}

export type Csrf = {
  /**
   * The session a cookie carries when the server signed it, else a new session with the Set-Cookie to send. The
   * cookie is the value of sessionCookieName(secure).
   */
  session(cookie: string | undefined, options?: { secure?: boolean }): { sessionId: string; setCookie?: string };
  /** The hidden-field token of a session. */
  tokenFor(sessionId: string): string;
  /** True when the cookie is a session the server signed and `token` is that session's token. */
  verify(cookie: string | undefined, token: unknown): boolean;
};

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createCsrf(secret: Buffer): Csrf {
  if (secret.length < 32) throw new CsrfConfigError('CSRF secret must be at least 32 bytes');
  // One key, two labels: a session's signature is never its token, nor the other way round.
  const mac = (label: 'session' | 'csrf', sessionId: string) =>
    createHmac('sha256', secret).update(`ledgerline-${label}:v1:${sessionId}`).digest('base64url');
  const tokenFor = (sessionId: string) => mac('csrf', sessionId);
  const sessionIdOf = (cookie: string | undefined): string | undefined => {
    const parts = cookie?.split('.');
    if (parts?.length !== 2) return undefined;
    const [sessionId = '', signature = ''] = parts;
    return SESSION_ID.test(sessionId) && sameText(signature, mac('session', sessionId)) ? sessionId : undefined;
  };
  return {
    tokenFor,
    session(cookie, options = {}) {
      const existing = sessionIdOf(cookie);
      if (existing) return { sessionId: existing };
      const sessionId = randomBytes(32).toString('base64url');
      return {
        sessionId,
        setCookie: sessionCookie(`${sessionId}.${mac('session', sessionId)}`, options.secure ?? false),
      };
    },
    verify(cookie, token) {
      const sessionId = sessionIdOf(cookie);
      if (sessionId === undefined || typeof token !== 'string') return false;
      return sameText(token, tokenFor(sessionId));
    },
  };
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${sessionCookieName(secure)}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/**
 * A form post a browser marks as not from our own pages (OWASP CSRF cheat sheet: Fetch Metadata, then Origin):
 * `Sec-Fetch-Site` other than same-origin or none (cross-site, and same-site: a sibling subdomain is another site
 * to a bank), or an `Origin` other than `ownOrigin` (`null` included). Requests without these headers — non-browser
 * clients, old browsers — are not refused here; the CSRF token still is required of them.
 */
export function isCrossSiteRequest(headers: Readonly<Record<string, string | undefined>>, ownOrigin: string): boolean {
  const site = headers['sec-fetch-site']?.trim().toLowerCase();
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin?.trim();
  if (origin === undefined) return false;
  const own = originOf(ownOrigin);
  return own === undefined || originOf(origin) !== own;
}

let memo: Promise<Csrf> | undefined;

/**
 * The forms' signer, its key resolved on first use and then kept for the container. Every path that renders a form or
 * verifies a post awaits it (session.ts), so a page never signs with a key it has not read. A failed read is not
 * kept: the next request tries again (Secrets Manager unreachable: the page answers 503, see webHandler).
 */
export function loadCsrf(env: NodeJS.ProcessEnv = process.env): Promise<Csrf> {
  memo ??= readCsrf(env);
  return memo;
}

async function readCsrf(env: NodeJS.ProcessEnv): Promise<Csrf> {
  try {
    return createCsrf(await resolveSecret(env));
  } catch (error) {
    memo = undefined;
    throw error;
  }
}

export async function resolveSecret(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const arn = env.WEB_CSRF_SECRET_ARN;
  const configured = env.WEB_CSRF_SECRET || (arn ? await getSecretString(arn) : undefined);
  if (configured) {
    if (configured.length < 32) {
      const source = env.WEB_CSRF_SECRET ? 'WEB_CSRF_SECRET' : `The secret ${arn ?? ''}`;
      throw new CsrfConfigError(`${source} must be at least 32 characters`);
    }
    return Buffer.from(configured, 'utf8');
  }
  const inRealLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.IS_OFFLINE !== 'true';
  if (inRealLambda) {
    throw new CsrfConfigError(
      'WEB_CSRF_SECRET_ARN (or WEB_CSRF_SECRET) is required in AWS (containers cannot share a generated secret)',
    );
  }
  return processDevSecret();
}

/** One random secret per OS process, shared by its worker threads (each Lambda of serverless-offline is one). */
function processDevSecret(): Buffer {
  const file = path.join(tmpdir(), `ledgerline-web-csrf-${process.pid}.key`);
  const fresh = randomBytes(32);
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, fresh.toString('hex'));
    } finally {
      closeSync(fd);
    }
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return fresh; // unwritable temp dir: this thread only
  }
  // Another thread of this process won the race; it may still be writing: read until the 64 hex characters are there.
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const hex = readFileSync(file, 'utf8');
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  }
  return fresh;
}

export function resetCsrfForTests(): void {
  memo = undefined;
}
