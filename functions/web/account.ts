import { errorPage } from '../../lib/presentation/web/layout';
import { htmlResponse, webHandler } from '../../lib/presentation/web/http';
import {
  DONE_NOTICES,
  loadAccount,
  parseAccountId,
  renderAccountPage,
} from '../../lib/presentation/web/account-loader';
import { formSession, notFound } from '../../lib/presentation/web/session';

/** GET /accounts/{id}[?upTo=N][&done=deposit] → the account page: balance, forms, paginated history. */
export const handler = webHandler(async (event) => {
  const accountId = parseAccountId(event.pathParameters?.id);
  const account = accountId ? await loadAccount(accountId) : undefined;
  if (!account) return notFound();
  const session = formSession(event);
  const done = event.queryStringParameters?.done;
  const notice = done && Object.hasOwn(DONE_NOTICES, done) ? DONE_NOTICES[done] : undefined;
  const page = await renderAccountPage({
    account,
    upTo: event.queryStringParameters?.upTo,
    csrfToken: session.csrfToken,
    notice: notice ? { kind: 'success', message: notice } : undefined,
  });
  return htmlResponse(200, page, { cookies: session.cookies });
}, errorPage);
