import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { clearSessionCookie, safeNext, sessionCookie, tokenCookieName } from '../../lib/presentation/web/auth';
import {
  htmlResponse,
  isSecureRequest,
  parseForm,
  readCookies,
  redirect,
  webHandler,
  type WebEvent,
} from '../../lib/presentation/web/http';
import { errorPage } from '../../lib/presentation/web/layout';
import { localSignInPage, signOutPage } from '../../lib/presentation/web/pages/signin';
import {
  badForm,
  csrfValid,
  forbiddenForm,
  formSession,
  isCrossSitePost,
  notFound,
  ownOrigin,
} from '../../lib/presentation/web/session';

/**
 * Sign-in and sign-out of the pages:
 *   GET/POST /signin    locally a form (username, groups) whose token comes from the local issuer (POST /local/token);
 *                       on AWS (AUTH_HOSTED_UI set) a redirect to the Cognito hosted UI: authorization code + PKCE
 *   GET /auth/callback  (AWS) exchanges the code for tokens, keeps the access token in the session cookie
 *   GET/POST /signout   clears the session cookie (and, on AWS, the hosted UI's session)
 */
const PKCE_COOKIE = 'ledgerline_pkce';

const method = (event: WebEvent) => event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
const hostedUi = () => process.env.AUTH_HOSTED_UI?.replace(/\/$/, '') || undefined;
const clientId = () => process.env.AUTH_AUDIENCE ?? '';
const base64url = (bytes: Buffer) => bytes.toString('base64url');

async function signInForm(
  event: WebEvent,
  status: number,
  input: { next: string; username?: string; groups?: string[]; error?: string },
) {
  const session = await formSession(event);
  return htmlResponse(status, localSignInPage({ ...input, csrfToken: session.csrfToken }), {
    cookies: session.cookies,
  });
}

async function localSignIn(event: WebEvent) {
  if (method(event) === 'GET') return signInForm(event, 200, { next: safeNext(event.queryStringParameters?.next) });
  if (isCrossSitePost(event)) return forbiddenForm('/signin');
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, '/signin');
  if (!(await csrfValid(event, form.fields))) return forbiddenForm('/signin');
  const next = safeNext(form.fields.get('next'));
  const username = (form.fields.get('username') ?? '').trim();
  const groups = (['tellers', 'admins'] as const).filter((group) => form.fields.get(group) === 'on');
  // The same issuer a client asks with curl: the stack's POST /local/token (its validation, its key).
  const issuer = (process.env.AUTH_ISSUER ?? '').replace(/\/$/, '');
  const response = await fetch(`${issuer}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, groups }),
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 400) {
    const problem = (await response.json()) as { errors?: Array<{ message: string }> };
    const error = problem.errors?.map((item) => item.message).join('. ') ?? 'The username is not valid';
    return signInForm(event, 400, { next, username, groups, error });
  }
  if (!response.ok) throw new Error(`The local issuer answered ${response.status}`);
  const token = (await response.json()) as { access_token: string; expires_in: number };
  return redirect(next, [sessionCookie(event, token.access_token, token.expires_in)]);
}

function hostedSignIn(event: WebEvent, domain: string) {
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const next = safeNext(event.queryStringParameters?.next);
  const authorize = new URL(`${domain}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId(),
    redirect_uri: `${ownOrigin(event)}/auth/callback`,
    scope: 'openid',
    state,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  const secure = isSecureRequest(event) ? '; Secure' : '';
  const value = Buffer.from(JSON.stringify({ state, verifier, next })).toString('base64url');
  return redirect(authorize.toString(), [
    `${PKCE_COOKIE}=${value}; Path=/auth/callback; Max-Age=600; HttpOnly; SameSite=Lax${secure}`,
  ]);
}

async function hostedCallback(event: WebEvent, domain: string) {
  const raw = readCookies(event).get(PKCE_COOKIE);
  const query = event.queryStringParameters ?? {};
  let saved: { state?: string; verifier?: string; next?: string } = {};
  try {
    saved = raw ? (JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as typeof saved) : {};
  } catch {
    saved = {};
  }
  if (!query.code || !saved.state || query.state !== saved.state || !saved.verifier) return redirect('/signin');
  const response = await fetch(`${domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId(),
      code: query.code,
      redirect_uri: `${ownOrigin(event)}/auth/callback`,
      code_verifier: saved.verifier,
    }).toString(),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) return redirect('/signin');
  const tokens = (await response.json()) as { access_token: string; expires_in: number };
  const secure = isSecureRequest(event) ? '; Secure' : '';
  return redirect(safeNext(saved.next), [
    sessionCookie(event, tokens.access_token, tokens.expires_in),
    `${PKCE_COOKIE}=; Path=/auth/callback; Max-Age=0; HttpOnly; SameSite=Lax${secure}`,
  ]);
}

function usernameOf(event: WebEvent): string | undefined {
  const token = readCookies(event).get(tokenCookieName(isSecureRequest(event)));
  if (!token) return undefined;
  try {
    // Display only: the cookie is verified wherever it grants anything.
    const claims = decodeJwt(token);
    return typeof claims.username === 'string' ? claims.username : undefined;
  } catch {
    return undefined;
  }
}

async function signOut(event: WebEvent) {
  if (method(event) === 'GET') {
    const session = await formSession(event);
    return htmlResponse(200, signOutPage({ csrfToken: session.csrfToken, username: usernameOf(event) }), {
      cookies: session.cookies,
    });
  }
  if (isCrossSitePost(event)) return forbiddenForm('/signout');
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, '/signout');
  if (!(await csrfValid(event, form.fields))) return forbiddenForm('/signout');
  const domain = hostedUi();
  const location = domain
    ? `${domain}/logout?${new URLSearchParams({ client_id: clientId(), logout_uri: `${ownOrigin(event)}/signin` }).toString()}`
    : '/signin';
  return redirect(location, [clearSessionCookie(event)]);
}

export const handler = webHandler(async (event) => {
  const path = event.rawPath ?? '';
  const domain = hostedUi();
  if (path === '/signout') return signOut(event);
  if (path === '/signin') return domain ? hostedSignIn(event, domain) : localSignIn(event);
  if (path === '/auth/callback' && domain) return hostedCallback(event, domain);
  return notFound();
}, errorPage);
