import { randomBytes } from 'node:crypto';
import {
  createCsrf,
  CsrfConfigError,
  isCrossSiteRequest,
  resolveSecret,
  SECURE_SESSION_COOKIE,
  SESSION_COOKIE,
  sessionCookieName,
} from './csrf';

const secret = randomBytes(32);

describe('CSRF token bound to a server-signed session', () => {
  const cookieValue = (setCookie: string | undefined) => /^[^=]+=([^;]+);/.exec(setCookie ?? '')?.[1];

  it('given no cookie when a session starts then a fresh signed HttpOnly SameSite=Strict cookie is set', () => {
    const csrf = createCsrf(secret);
    const secure = csrf.session(undefined, { secure: true });
    expect(secure.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secure.setCookie).toMatch(
      new RegExp(
        `^__Host-ll_session=${secure.sessionId}\\.[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Secure$`,
      ),
    );
    const plain = csrf.session(undefined);
    expect(plain.setCookie).toMatch(
      /^ll_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(sessionCookieName(true)).toBe(SECURE_SESSION_COOKIE);
    expect(sessionCookieName(false)).toBe(SESSION_COOKIE);
  });

  it('given the cookie the server set when a session starts then it is kept and no cookie is sent', () => {
    const csrf = createCsrf(secret);
    const first = csrf.session(undefined);
    expect(csrf.session(cookieValue(first.setCookie))).toEqual({ sessionId: first.sessionId });
  });

  it.each([
    ['malformed', 'short;evil'],
    ['a bare id the client chose (the old double-submit nonce)', 'A'.repeat(43)],
    ['a chosen id with a made-up signature', `${'A'.repeat(43)}.${'B'.repeat(43)}`],
    ['an id with an extra part', `${'A'.repeat(43)}.x.y`],
  ])('given a %s cookie when a session starts then it is replaced, never adopted', (_what, cookie) => {
    const csrf = createCsrf(secret);
    const session = csrf.session(cookie);
    expect(session.sessionId).not.toBe('A'.repeat(43));
    expect(session.setCookie).toBeDefined();
    expect(csrf.verify(cookie, csrf.tokenFor('A'.repeat(43)))).toBe(false);
  });

  it('given a session signed with another secret when a session starts then it is replaced', () => {
    const theirs = createCsrf(randomBytes(32)).session(undefined);
    const ours = createCsrf(secret);
    const session = ours.session(cookieValue(theirs.setCookie));
    expect(session.sessionId).not.toBe(theirs.sessionId);
    expect(session.setCookie).toBeDefined();
  });

  it("given the session's token when verified then it is accepted", () => {
    const csrf = createCsrf(secret);
    const { sessionId, setCookie } = csrf.session(undefined);
    expect(csrf.verify(cookieValue(setCookie), csrf.tokenFor(sessionId))).toBe(true);
  });

  it.each([
    ['no cookie', 'none', 'own'],
    ['no token', 'own', 'none'],
    ['the token of another session', 'own', 'other'],
    ['a token that is not a string', 'own', 'number'],
    ['the cookie value itself as token (plain double submit)', 'own', 'cookie'],
    ['the session id as token', 'own', 'id'],
  ])('given %s when verified then it is refused', (_label, cookieKind, tokenKind) => {
    const csrf = createCsrf(secret);
    const own = csrf.session(undefined);
    const other = csrf.session(undefined);
    const cookie = cookieKind === 'none' ? undefined : cookieValue(own.setCookie);
    const tokens: Record<string, unknown> = {
      none: undefined,
      other: csrf.tokenFor(other.sessionId),
      number: 42,
      cookie: cookieValue(own.setCookie),
      id: own.sessionId,
      own: csrf.tokenFor(own.sessionId),
    };
    expect(csrf.verify(cookie, tokens[tokenKind])).toBe(false);
  });

  it('given a token signed with another secret when verified then it is refused', () => {
    const ours = createCsrf(secret);
    const theirs = createCsrf(randomBytes(32));
    const { sessionId, setCookie } = ours.session(undefined);
    expect(ours.verify(cookieValue(setCookie), theirs.tokenFor(sessionId))).toBe(false);
  });

  it('given a short secret when created then it refuses', () => {
    expect(() => createCsrf(Buffer.alloc(8))).toThrow(CsrfConfigError);
  });
});

describe('CSRF secret resolution', () => {
  it('given WEB_CSRF_SECRET when resolved then it is used, without asking Secrets Manager', async () => {
    const value = 'x'.repeat(40);
    const env = { WEB_CSRF_SECRET: value, WEB_CSRF_SECRET_ARN: 'arn:not-read' };
    expect((await resolveSecret(env)).toString()).toBe(value);
  });

  it('given a too short WEB_CSRF_SECRET when resolved then it is a configuration error', async () => {
    await expect(resolveSecret({ WEB_CSRF_SECRET: 'short' })).rejects.toThrow(CsrfConfigError);
  });

  it('given a real Lambda without the secret when resolved then it is a configuration error', async () => {
    await expect(resolveSecret({ AWS_LAMBDA_FUNCTION_NAME: 'ledgerline-aws-web' })).rejects.toThrow(/WEB_CSRF_SECRET/);
  });
});

describe('cross-site requests', () => {
  const own = 'https://bank.example';

  it.each([
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site in capitals', { 'sec-fetch-site': 'Cross-Site' }],
    ['an unknown Sec-Fetch-Site', { 'sec-fetch-site': 'whatever' }],
    ['another origin', { origin: 'https://evil.example' }],
    ['a sibling origin', { origin: 'https://evil.bank.example' }],
    ['our host over plain http', { origin: 'http://bank.example' }],
    ['our host on another port', { origin: 'https://bank.example:8443' }],
    ['Origin null (sandboxed frame, privacy redirect)', { origin: 'null' }],
    ['an unparsable Origin', { origin: '::' }],
    ['same-origin metadata but another Origin', { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }],
  ])('given %s when checked then it is cross-site', (_what, headers) => {
    expect(isCrossSiteRequest(headers, own)).toBe(true);
  });

  it.each([
    ['no headers (a non-browser client)', {}],
    ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site none (typed by the user)', { 'sec-fetch-site': 'none' }],
    ['our own Origin', { origin: 'https://bank.example' }],
    ['our own Origin with the default port and odd case', { origin: 'HTTPS://Bank.Example:443' }],
    ['same-origin metadata and our Origin', { 'sec-fetch-site': 'same-origin', origin: 'https://bank.example' }],
  ])('given %s when checked then it is not cross-site', (_what, headers) => {
    expect(isCrossSiteRequest(headers, own)).toBe(false);
  });

  it('given an own origin that cannot be parsed when an Origin is sent then it is refused', () => {
    expect(isCrossSiteRequest({ origin: 'https://bank.example' }, 'https://')).toBe(true);
  });
});
