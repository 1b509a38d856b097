/**
 * Who is looking at a page. The same access tokens as the API (lib/platform/auth): from the session cookie the
 * sign-in sets (HttpOnly, SameSite=Lax, Secure unless plain-http localhost), or from an `Authorization: Bearer`
 * header, so tools and tests can fetch pages as the API is called. Without a valid one a browser is sent to /signin.
 */
import { isStaff, type Caller } from '../../platform/auth/verify-token';
import type { Visibility } from '../../queries/visibility';
import { bearerToken, tokenCookieName, verifyCaller } from '../http/authenticate';
import { HttpProblem } from '../http/problem';
import { html } from './html';
import {
  htmlResponse,
  isSecureRequest,
  readCookies,
  redirect,
  webHandler,
  type WebEvent,
  type WebResult,
} from './http';
import { errorPage, layout } from './layout';

export { tokenCookieName };

/** The Set-Cookie of a signed-in session: the access token itself, for as long as it is valid. */
export function sessionCookie(event: WebEvent, accessToken: string, maxAgeSeconds: number): string {
  const secure = isSecureRequest(event);
  return `${tokenCookieName(secure)}=${accessToken}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(event: WebEvent): string {
  const secure = isSecureRequest(event);
  return `${tokenCookieName(secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** Where /signin sends the user back to: a path of this site only (never another origin). */
export function safeNext(value: string | undefined): string {
  return value && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

type PageAccess = 'signed-in' | 'admins';

/**
 * A page for signed-in users: the render function gets the verified caller. No token (or an expired one in the
 * cookie): 303 to /signin?next=<this page>. A refused bearer header: 401. `admins` pages: 403 for everyone else.
 */
export function signedInPage(
  render: (event: WebEvent, correlationId: string, caller: Caller) => Promise<WebResult>,
  access: PageAccess = 'signed-in',
): (event: WebEvent) => Promise<WebResult> {
  return webHandler(async (event, correlationId) => {
    let header: string | undefined;
    try {
      header = bearerToken(event);
    } catch (error) {
      if (error instanceof HttpProblem) return unauthorizedPage(error);
      throw error;
    }
    const token = header ?? readCookies(event).get(tokenCookieName(isSecureRequest(event)));
    let caller: Caller;
    try {
      caller = await verifyCaller(token);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 401) throw error;
      if (header !== undefined) return unauthorizedPage(error);
      const next = `${event.rawPath ?? '/'}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
      const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
      return redirect(
        `/signin?next=${encodeURIComponent(method === 'GET' ? next : '/')}`,
        token ? [clearSessionCookie(event)] : [],
      );
    }
    if (access === 'admins' && caller.role !== 'admin') return forbiddenPage();
    return render(event, correlationId, caller);
  }, errorPage);
}

function unauthorizedPage(problem: HttpProblem): WebResult {
  return htmlResponse(
    401,
    layout({
      title: 'Sign in required',
      section: 'none',
      body: html`<h1>Sign in required</h1>
        <div class="card">
          <p>${problem.message}</p>
          <p><a class="button" href="/signin">Sign in</a></p>
        </div>`,
    }),
    { headers: problem.headers },
  );
}

function forbiddenPage(): WebResult {
  return htmlResponse(
    403,
    layout({
      title: 'Not allowed',
      section: 'none',
      body: html`<h1>Not allowed</h1>
        <div class="card">
          <p>This page is for admins only.</p>
          <p><a class="button" href="/">Home</a></p>
        </div>`,
    }),
  );
}

/** What a page's queries may show the caller: a customer's own accounts, every account for staff. */
export function visibilityOf(caller: Caller): Visibility {
  return isStaff(caller) ? {} : { ownerId: caller.sub };
}
