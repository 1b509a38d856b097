import { randomBytes } from 'node:crypto';
import { createCsrf, CSRF_COOKIE, CsrfConfigError, isCrossSiteRequest, resolveSecret } from './csrf';

const secret = randomBytes(32);

describe('CSRF signed double-submit cookie', () => {
  it('given no cookie when a session starts then a fresh HttpOnly SameSite=Strict cookie is set', () => {
    const csrf = createCsrf(secret);
    const session = csrf.session(undefined, { secure: true });
    expect(session.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.setCookie).toBe(`${CSRF_COOKIE}=${session.nonce}; Path=/; HttpOnly; SameSite=Strict; Secure`);
  });

  it('given a valid cookie when a session starts then it is kept and no cookie is sent', () => {
    const csrf = createCsrf(secret);
    const { nonce } = csrf.session(undefined);
    expect(csrf.session(nonce)).toEqual({ nonce });
  });

  it('given a malformed cookie when a session starts then it is replaced', () => {
    const csrf = createCsrf(secret);
    const session = csrf.session('short;evil');
    expect(session.nonce).not.toBe('short;evil');
    expect(session.setCookie).toBeDefined();
  });

  it('given the token of the cookie nonce when verified then it is accepted', () => {
    const csrf = createCsrf(secret);
    const { nonce } = csrf.session(undefined);
    expect(csrf.verify(nonce, csrf.tokenFor(nonce))).toBe(true);
  });

  it.each([
    ['no cookie', undefined, 'token'],
    ['no token', 'cookie', undefined],
    ['a token of another nonce', 'cookie', 'other'],
    ['a token that is not a string', 'cookie', 42],
  ])('given %s when verified then it is refused', (_label, cookieKind, tokenKind) => {
    const csrf = createCsrf(secret);
    const { nonce } = csrf.session(undefined);
    const other = csrf.session(undefined).nonce;
    const cookie = cookieKind === undefined ? undefined : nonce;
    const token =
      tokenKind === undefined
        ? undefined
        : tokenKind === 'other'
          ? csrf.tokenFor(other)
          : tokenKind === 42
            ? 42
            : csrf.tokenFor(nonce);
    expect(csrf.verify(cookie, token)).toBe(false);
  });

  it('given a token signed with another secret when verified then it is refused', () => {
    const ours = createCsrf(secret);
    const theirs = createCsrf(randomBytes(32));
    const { nonce } = ours.session(undefined);
    expect(ours.verify(nonce, theirs.tokenFor(nonce))).toBe(false);
  });

  it('given the cookie value itself as token (plain double submit) when verified then it is refused', () => {
    const csrf = createCsrf(secret);
    const { nonce } = csrf.session(undefined);
    expect(csrf.verify(nonce, nonce)).toBe(false);
  });

  it('given a short secret when created then it refuses', () => {
    expect(() => createCsrf(Buffer.alloc(8))).toThrow(CsrfConfigError);
  });
});

describe('CSRF secret resolution', () => {
  it('given WEB_CSRF_SECRET when resolved then it is used', () => {
    const value = 'x'.repeat(40);
    expect(resolveSecret({ WEB_CSRF_SECRET: value }).toString()).toBe(value);
  });

  it('given a too short WEB_CSRF_SECRET when resolved then it is a configuration error', () => {
    expect(() => resolveSecret({ WEB_CSRF_SECRET: 'short' })).toThrow(CsrfConfigError);
  });

  it('given a real Lambda without the secret when resolved then it is a configuration error', () => {
    expect(() => resolveSecret({ AWS_LAMBDA_FUNCTION_NAME: 'ledgerline-aws-web' })).toThrow(/WEB_CSRF_SECRET/);
  });
});

describe('cross-site requests', () => {
  it('given Sec-Fetch-Site cross-site when checked then it is cross-site; same-origin and absent are not', () => {
    expect(isCrossSiteRequest({ 'sec-fetch-site': 'cross-site' })).toBe(true);
    expect(isCrossSiteRequest({ 'sec-fetch-site': 'same-origin' })).toBe(false);
    expect(isCrossSiteRequest({})).toBe(false);
  });
});
