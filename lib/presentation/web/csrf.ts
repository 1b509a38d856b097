import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * CSRF protection for the HTML forms: a signed double-submit cookie.
 *
 * The browser holds a random nonce in an HttpOnly, SameSite=Strict cookie; every form carries
 * HMAC-SHA256(secret, nonce) in a hidden field. A POST is accepted only when the field matches the cookie's HMAC
 * (constant-time compare). An attacker's page can neither read the cookie nor compute the HMAC, and a cookie planted
 * from a sibling domain is useless without the secret. Requests that browsers label `Sec-Fetch-Site: cross-site`
 * are refused outright.
 *
 * The secret comes from WEB_CSRF_SECRET (≥ 32 characters). Without it, outside AWS, a random secret is generated
 * once per process (shared by serverless-offline's worker threads through a 0600 file in the temp directory).
 * Inside a real Lambda the variable is required: containers could not agree on a generated one.
 */
export const CSRF_COOKIE = 'll_csrf';
export const CSRF_FIELD = '_csrf';

const NONCE = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

export class CsrfConfigError extends Error {
  override name = 'CsrfConfigError';
}

export type Csrf = {
  /** The cookie nonce to keep (when valid) or a new one, with the Set-Cookie to send when it is new. */
  session(cookieNonce: string | undefined, options?: { secure?: boolean }): { nonce: string; setCookie?: string };
  /** The hidden-field token for a nonce. */
  tokenFor(nonce: string): string;
  /** True when `token` is the HMAC of the cookie's nonce. */
  verify(cookieNonce: string | undefined, token: unknown): boolean;
};

export function createCsrf(secret: Buffer): Csrf {
  if (secret.length < 32) throw new CsrfConfigError('CSRF secret must be at least 32 bytes');
  const tokenFor = (nonce: string) =>
    createHmac('sha256', secret).update(`ledgerline-csrf:v1:${nonce}`).digest('base64url');
  return {
    tokenFor,
    session(cookieNonce, options = {}) {
      if (cookieNonce !== undefined && NONCE.test(cookieNonce)) return { nonce: cookieNonce };
      const nonce = randomBytes(32).toString('base64url');
      return { nonce, setCookie: csrfCookie(nonce, options.secure ?? false) };
    },
    verify(cookieNonce, token) {
      if (cookieNonce === undefined || !NONCE.test(cookieNonce) || typeof token !== 'string') return false;
      const expected = Buffer.from(tokenFor(cookieNonce));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export function csrfCookie(nonce: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${nonce}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Refuse requests a browser marks as coming from another site (defence in depth; old browsers omit the header). */
export function isCrossSiteRequest(headers: Readonly<Record<string, string | undefined>>): boolean {
  return headers['sec-fetch-site']?.toLowerCase() === 'cross-site';
}

let memo: Csrf | undefined;

export function getCsrf(env: NodeJS.ProcessEnv = process.env): Csrf {
  memo ??= createCsrf(resolveSecret(env));
  return memo;
}

export function resolveSecret(env: NodeJS.ProcessEnv): Buffer {
  const configured = env.WEB_CSRF_SECRET;
  if (configured) {
    if (configured.length < 32) throw new CsrfConfigError('WEB_CSRF_SECRET must be at least 32 characters');
    return Buffer.from(configured, 'utf8');
  }
  const inRealLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && env.IS_OFFLINE !== 'true';
  if (inRealLambda) {
    throw new CsrfConfigError('WEB_CSRF_SECRET is required in AWS (containers cannot share a generated secret)');
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
