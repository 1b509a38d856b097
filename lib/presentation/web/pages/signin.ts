import { CSRF_FIELD } from '../csrf';
import { html, type SafeHtml } from '../html';
import { layout } from '../layout';

/** The local stage's sign-in: choose a username and groups; the local issuer signs the token. */
export function localSignInPage(input: {
  csrfToken: string;
  next: string;
  username?: string;
  groups?: readonly string[];
  error?: string;
}): SafeHtml {
  const checked = (group: string) => (input.groups?.includes(group) ? html` checked` : '');
  return layout({
    title: 'Sign in',
    section: 'none',
    body: html`<h1>Sign in</h1>
      <p class="lead">
        Local stack: choose who you are. Without a group you are a customer (your own accounts only); tellers see every
        account; admins also see operations.
      </p>
      <div class="card">
        <form method="post" action="/signin" novalidate>
          ${input.error ? html`<div class="notice error" role="alert" id="signin-error">${input.error}</div>` : ''}
          <input type="hidden" name="${CSRF_FIELD}" value="${input.csrfToken}" />
          <input type="hidden" name="next" value="${input.next}" />
          <div class="field">
            <label for="signin-username">Username</label>
            <input
              id="signin-username"
              name="username"
              value="${input.username ?? ''}"
              required
              maxlength="64"
              autocomplete="username"
              aria-describedby="signin-username-hint"
            />
            <p class="hint" id="signin-username-hint">
              1 to 64 of a–z, 0–9, ".", "_" or "-"; the same name is the same user
            </p>
          </div>
          <fieldset class="field">
            <legend>Groups</legend>
            <label><input type="checkbox" name="tellers" value="on" ${checked('tellers')} /> tellers</label>
            <label><input type="checkbox" name="admins" value="on" ${checked('admins')} /> admins</label>
          </fieldset>
          <div class="actions"><button type="submit">Sign in</button></div>
        </form>
      </div>`,
  });
}

export function signOutPage(input: { csrfToken: string; username: string | undefined }): SafeHtml {
  return layout({
    title: 'Sign out',
    section: 'signout',
    body: html`<h1>Sign out</h1>
      <div class="card">
        <p>${input.username ? html`Signed in as <strong>${input.username}</strong>.` : 'You are not signed in.'}</p>
        <form method="post" action="/signout">
          <input type="hidden" name="${CSRF_FIELD}" value="${input.csrfToken}" />
          <div class="actions"><button type="submit">Sign out</button></div>
        </form>
      </div>`,
  });
}
