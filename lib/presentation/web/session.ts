import { randomUUID } from 'node:crypto';
import { CSRF_FIELD, isCrossSiteRequest, loadCsrf, sessionCookieName } from './csrf';
import { html } from './html';
import { htmlResponse, isSecureRequest, lowerCaseHeaders, readCookies, type WebEvent, type WebResult } from './http';
import { layout, notFoundPage } from './layout';
import { IDEMPOTENCY_FIELD } from './widgets';
import { isUuid } from '../../platform/uuid';

/** What a page with forms needs: the CSRF token for its hidden fields and the cookie to set (first visit). */
export type FormSession = { csrfToken: string; cookies: string[] };

/** The session cookie's value: over HTTPS only the `__Host-` one (a plain one may have been set by a sibling). */
function sessionCookieOf(event: WebEvent): string | undefined {
  return readCookies(event).get(sessionCookieName(isSecureRequest(event)));
}

export async function formSession(event: WebEvent): Promise<FormSession> {
  const csrf = await loadCsrf();
  const { sessionId, setCookie } = csrf.session(sessionCookieOf(event), { secure: isSecureRequest(event) });
  return { csrfToken: csrf.tokenFor(sessionId), cookies: setCookie ? [setCookie] : [] };
}

/** This deployment's origin as the browser sees it: the scheme (isSecureRequest) and the Host it asked for. */
export function ownOrigin(event: WebEvent): string {
  const host = lowerCaseHeaders(event).host ?? event.requestContext?.domainName ?? '';
  return `${isSecureRequest(event) ? 'https' : 'http'}://${host}`;
}

/** A post a browser marks as coming from another site (Sec-Fetch-Site, Origin): refused before anything else. */
export function isCrossSitePost(event: WebEvent): boolean {
  return isCrossSiteRequest(lowerCaseHeaders(event), ownOrigin(event));
}

/** Refuses cross-site posts, then checks the form's CSRF token against the session cookie. */
export async function csrfValid(event: WebEvent, fields: Map<string, string>): Promise<boolean> {
  if (isCrossSitePost(event)) return false;
  return (await loadCsrf()).verify(sessionCookieOf(event), fields.get(CSRF_FIELD));
}

/** A fresh key for each rendered form: its submit, retried or double-clicked, has one effect. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/** The posted form's idempotency key, namespaced so it can never meet an API client's key. */
export function postedIdempotencyKey(fields: Map<string, string>): string | undefined {
  const key = fields.get(IDEMPOTENCY_FIELD);
  return key && isUuid(key) ? `web-form:${key.toLowerCase()}` : undefined;
}

export function notFound(): WebResult {
  return htmlResponse(404, notFoundPage());
}

export function forbiddenForm(retryHref: string): WebResult {
  return htmlResponse(
    403,
    layout({
      title: 'Form expired',
      section: 'none',
      body: html`<h1>This form has expired</h1>
        <div class="card">
          <p>
            The form could not be verified (it may be too old, or it was sent from another site). Nothing was changed.
          </p>
          <p><a class="button" href="${retryHref}">Reload the form</a></p>
        </div>`,
    }),
  );
}

export function badForm(status: 400 | 413 | 415, reason: string, retryHref: string): WebResult {
  return htmlResponse(
    status,
    layout({
      title: 'Form not accepted',
      section: 'none',
      body: html`<h1>The form was not accepted</h1>
        <div class="card">
          <p>${reason}. Nothing was changed.</p>
          <p><a class="button" href="${retryHref}">Back to the form</a></p>
        </div>`,
    }),
  );
}
