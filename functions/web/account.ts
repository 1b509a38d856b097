import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse } from '../../lib/presentation/web/http';
import { loadAccount, parseAccountId, renderAccountPage } from '../../lib/presentation/web/account-loader';
import { flashNotice, takeFlash } from '../../lib/presentation/web/flash';
import { parseMoment } from '../../lib/presentation/web/history';
import { formSession, notFound } from '../../lib/presentation/web/session';

/**
 * GET /accounts/{id}[?upTo=N] → the account page: balance, forms, paginated history with running balances, the
 * balance over time (and a command's notice, once). ?version=N or ?asOf=<UTC instant> shows it as it was then.
 * Another customer's account is a 404, as an unknown one.
 */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const accountId = parseAccountId(event.pathParameters?.id);
  const moment = parseMoment(event.queryStringParameters);
  if (moment === 'invalid') return notFound();
  const account = accountId ? await loadAccount(accountId, caller, moment) : undefined;
  if (!account) return notFound();
  const session = await formSession(event);
  const { flash, cookies } = takeFlash(event, account.id);
  const page = await renderAccountPage({
    caller,
    account,
    upTo: event.queryStringParameters?.upTo,
    csrfToken: session.csrfToken,
    notice: flash ? flashNotice(flash) : undefined,
    moment,
  });
  return htmlResponse(200, page, { cookies: [...session.cookies, ...cookies] });
});
