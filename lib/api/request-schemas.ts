/**
 * The request schemas of every API route, as the handlers validate them: re-exported from the handlers' own schema
 * modules (functions/accounts/schemas.ts, functions/reports/schemas.ts), never redefined. The OpenAPI document
 * (./openapi.ts) and the HTML forms (lib/web) take them from here and only from here.
 */
export {
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  accountIdSchema,
  accountPathSchema,
  depositBodySchema,
  getAccountQuerySchema,
  historyQuerySchema,
  openAccountBodySchema,
  transferBodySchema,
  withdrawBodySchema,
} from '../../functions/accounts/schemas';
export {
  listBalancesQuerySchema,
  listTransactionsQuerySchema,
  transactionsPathSchema,
} from '../../functions/reports/schemas';
