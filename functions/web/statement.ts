import { getPool } from '../../lib/platform/db/pool';
import { MAX_STATEMENT_EVENTS, statementEvents } from '../../lib/queries/statements';
import { loadAccount, parseAccountId } from '../../lib/presentation/web/account-loader';
import { signedInPage } from '../../lib/presentation/web/auth';
import { htmlResponse, type WebResult } from '../../lib/presentation/web/http';
import { statementPage, type StatementForm } from '../../lib/presentation/web/pages/statement';
import { notFound } from '../../lib/presentation/web/session';
import { buildStatement, statementCsv, statementPdf, type Statement } from '../../lib/presentation/web/statement';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

function parseDay(text: string | undefined): Date | undefined {
  if (!text || !DAY.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? undefined : date;
}

function download(statement: Statement, format: 'csv' | 'pdf'): WebResult {
  const name = `statement-${statement.account.accountNumber.replace(/[^A-Za-z0-9-]/g, '_')}-${statement.from}-${statement.to}.${format}`;
  const headers = {
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (format === 'csv') {
    return {
      statusCode: 200,
      headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' },
      body: statementCsv(statement),
    };
  }
  return {
    statusCode: 200,
    headers: { ...headers, 'content-type': 'application/pdf' },
    body: statementPdf(statement).toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * GET /accounts/{id}/statement[?from=YYYY-MM-DD&to=YYYY-MM-DD][&format=csv|pdf] → the statement of a period (UTC
 * days, both included) from the event store: opening balance, each transaction with the balance after it, closing
 * balance; as a page, or downloaded as CSV or PDF. Default period: this month so far. The owner, tellers and admins.
 */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const accountId = parseAccountId(event.pathParameters?.id);
  const account = accountId ? await loadAccount(accountId, caller) : undefined;
  if (!account) return notFound();
  const query = event.queryStringParameters ?? {};
  const today = new Date().toISOString().slice(0, 10);
  const form: StatementForm = { from: query.from ?? `${today.slice(0, 8)}01`, to: query.to ?? today };
  const from = parseDay(form.from);
  const to = parseDay(form.to);
  const refuse = (error: string) => htmlResponse(400, statementPage({ account, form: { ...form, error } }));
  if (!from || !to) return refuse('Enter both days as dates, e.g. 2026-12-01.');
  if (to < from) return refuse('The last day must not be before the first day.');
  const until = new Date(to.getTime() + DAY_MS);
  const [before, events] = await Promise.all([
    loadAccount(account.id, caller, { asOf: new Date(from.getTime() - 1) }),
    statementEvents(getPool(), account.id, { from, until }),
  ]);
  if (events.length > MAX_STATEMENT_EVENTS) {
    return refuse(`More than ${MAX_STATEMENT_EVENTS} transactions in this period: choose a shorter one.`);
  }
  const statement = buildStatement({ account, from: form.from, to: form.to, opening: before?.balance ?? 0, events });
  if (query.format === 'csv' || query.format === 'pdf') return download(statement, query.format);
  return htmlResponse(200, statementPage({ account, form, statement }));
});
