import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import {
  DONE_NOTICES,
  loadAccount,
  parseAccountId,
  renderAccountPage,
} from '../../lib/presentation/web/account-loader';
import { formSession, notFound } from '../../lib/presentation/web/session';

/** GET /accounts/{id}[?upTo=N][&done=deposit] → the account page: balance, forms, paginated history. */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const accountId = parseAccountId(event.pathParameters?.id);
  const account = accountId ? await loadAccount(accountId, caller) : undefined;
  if (!account) return notFound();
  const session = formSession(event);
  const done = event.queryStringParameters?.done;
  const notice = done && Object.hasOwn(DONE_NOTICES, done) ? DONE_NOTICES[done] : undefined;
  const page = await renderAccountPage({
    caller,
    account,
    upTo: event.queryStringParameters?.upTo,
    csrfToken: session.csrfToken,
    notice: notice ? { kind: 'success', message: notice } : undefined,
  });
  return htmlResponse(200, page, { cookies: session.cookies });
});
