/**
 * The request schemas of every API route, as the handlers validate them. The OpenAPI document (./openapi.ts) and the
 * HTML forms (lib/web) take them from here and only from here.
 *
 * Source of truth: the handlers' own modules. Exported ones are re-exported as they are. The body/query schemas
 * that the handlers still declare module-private are mirrored below, marked MIRROR, until their modules export them
 * (requested from the lead: see functions/web/README-routes.md, "Schemas to export"); then each MIRROR becomes a
 * re-export and nothing else changes. test: lib/api/request-schemas.unit.spec.ts pins each mirror's behaviour.
 */
import { z } from 'zod';
import { accountIdSchema, accountPathSchema, integerParam } from '../../functions/accounts/schemas';
import {
  accountNameSchema,
  accountNumberSchema,
  amountSchema,
  descriptionSchema,
  nonNegativeAmountSchema,
  ownerNameSchema,
} from '../banking/money';

export { accountIdSchema, accountPathSchema };

// MIRROR of functions/accounts/open-account.ts `bodySchema`.
export const openAccountBodySchema = z.object({
  accountNumber: accountNumberSchema,
  accountName: accountNameSchema,
  ownerName: ownerNameSchema,
  initialBalance: nonNegativeAmountSchema,
  description: descriptionSchema,
});

// MIRROR of functions/accounts/deposit.ts and withdraw.ts `bodySchema`.
export const depositBodySchema = z.object({ amount: amountSchema, description: descriptionSchema });
export const withdrawBodySchema = depositBodySchema;

// MIRROR of functions/accounts/transfer.ts `bodySchema`.
export const transferBodySchema = z.object({
  toAccountId: z
    .guid({
      error: (issue) => (issue.input === undefined ? 'To account id is required' : 'To account id must be a uuid'),
    })
    .transform((id) => id.toLowerCase()),
  amount: amountSchema,
  description: descriptionSchema,
});

// MIRROR of functions/accounts/get-account.ts `querySchema`.
export const getAccountQuerySchema = z
  .object({
    asOf: z.iso
      .datetime({ offset: true, error: 'asOf must be an ISO 8601 timestamp, e.g. 2024-01-31T12:00:00Z' })
      .transform((value) => new Date(value))
      .optional(),
    version: integerParam('version', { min: 1, max: 2_147_483_647 }).optional(),
  })
  .refine((query) => query.asOf === undefined || query.version === undefined, {
    path: ['version'],
    message: 'asOf and version cannot be combined',
  });

// MIRROR of functions/accounts/get-history.ts `querySchema` (and its exported limits).
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1000;
export const historyQuerySchema = z.object({
  fromVersion: integerParam('fromVersion', { min: 1, max: 2_147_483_647 }).optional(),
  limit: integerParam('limit', { min: 1, max: MAX_HISTORY_LIMIT }).default(DEFAULT_HISTORY_LIMIT),
});
