import { openAccount } from '../../lib/commands/accounts/service';
import { openAccountBodySchema } from '../../lib/presentation/api/account-schemas';
import { requestFingerprint } from '../../lib/presentation/http/idempotency';
import { handOffToRelay } from '../../lib/outbox/relay/hand-off';
import { commandFormErrors } from '../../lib/presentation/web/command-errors';
import { checkForm, pickValues, type FieldErrors, type FormValues } from '../../lib/presentation/web/forms';
import { signedInPage } from '../../lib/presentation/web/auth';
import { flashCookie } from '../../lib/presentation/web/flash';
import { htmlResponse, parseForm, redirect, type WebEvent } from '../../lib/presentation/web/http';
import { OPEN_ACCOUNT_FIELDS, openAccountPage } from '../../lib/presentation/web/pages/open-account';
import {
  badForm,
  csrfValid,
  forbiddenForm,
  formSession,
  isCrossSitePost,
  newIdempotencyKey,
  notFound,
  postedIdempotencyKey,
} from '../../lib/presentation/web/session';

const PAGE = '/accounts/new';

// A duplicate account number (409) belongs next to the account number; other problems above the form.
const FIELD_BY_PROBLEM: Readonly<Record<string, string>> = {
  'account-already-exists': 'accountNumber',
  'invalid-amount': 'initialBalance',
};

async function render(event: WebEvent, status: number, values: FormValues = {}, errors: FieldErrors = {}) {
  const session = await formSession(event);
  const page = openAccountPage({
    form: { values, errors },
    csrfToken: session.csrfToken,
    idempotencyKey: newIdempotencyKey(),
  });
  return htmlResponse(status, page, { cookies: session.cookies });
}

/** GET /accounts/new → the form; POST /accounts/new → open (303 to the new account) or the form with messages. */
export const handler = signedInPage(async (event, correlationId, caller) => {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
  if (method === 'GET') return render(event, 200);
  if (method !== 'POST') return notFound();

  // A post a browser marks as cross-site is refused before its body is read.
  if (isCrossSitePost(event)) return forbiddenForm(PAGE);
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, PAGE);
  if (!(await csrfValid(event, form.fields))) return forbiddenForm(PAGE);
  const values = pickValues(form.fields, OPEN_ACCOUNT_FIELDS);
  const checked = checkForm(openAccountBodySchema, values, {
    fields: OPEN_ACCOUNT_FIELDS,
    amountFields: ['initialBalance'],
  });
  if (!checked.ok) return render(event, 400, values, checked.errors);

  const key = postedIdempotencyKey(form.fields);
  try {
    // The signed-in user owns it (the form has no owner field: staff open accounts for others through the API).
    const outcome = await openAccount(checked.value, {
      correlationId,
      caller,
      ...(key ? { idempotency: { key, fingerprint: requestFingerprint('POST', PAGE, checked.value) } } : {}),
    });
    if (!outcome.replayed) await handOffToRelay();
    const flash = {
      accountId: outcome.result.accountId,
      action: 'opened',
      amount: checked.value.initialBalance,
      balance: checked.value.initialBalance,
      version: 1,
    } as const;
    return redirect(`/accounts/${outcome.result.accountId}`, [flashCookie(event, flash)]);
  } catch (error) {
    const refused = commandFormErrors(error, FIELD_BY_PROBLEM);
    if (!refused) throw error;
    return render(event, refused.status, values, refused.errors);
  }
});
