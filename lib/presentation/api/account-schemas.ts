/**
 * Request schemas of the account routes: the handlers validate with them, the OpenAPI document and the HTML forms
 * describe them. Kept free of runtime dependencies beyond zod and the domain's value rules.
 */
import { z } from 'zod';
import {
  accountNameSchema,
  accountNumberSchema,
  amountSchema,
  descriptionSchema,
  nonNegativeAmountSchema,
  ownerNameSchema,
} from '../../commands/banking/money';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../commands/accounts/types';
import { HttpProblem } from '../http/problem';

export { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT };

const MAX_INT4 = 2_147_483_647;

/**
 * Account ids are uuids (any version, case-insensitive). A path id that is not one cannot name an account, so it
 * answers the same 404 as an unknown account rather than a 400.
 */
export const accountIdSchema = z.guid().transform((id) => id.toLowerCase());

export const accountPathSchema = z.object({ id: accountIdSchema });

export function accountNotFound(pathParameters: Record<string, string | undefined>): HttpProblem {
  return new HttpProblem(404, {
    type: 'account-not-found',
    detail: `Account ${pathParameters.id ?? ''} was not found.`,
  });
}

/** Strict integer query parameter: digits only (no '1e3', '+1', ' 1'), within [min, max]. */
export function integerParam(name: string, { min, max }: { min: number; max: number }) {
  return z
    .string()
    .regex(/^\d{1,10}$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `${name} must be between ${min} and ${max}`);
}

export const ownerIdSchema = z
  .string({ error: 'Owner id must be a string' })
  .regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'Owner id must be 1 to 128 letters, digits or ._:@-');

export const openAccountBodySchema = z.object({
  /** Staff only: the sub of the customer the account is opened for (the caller's own sub by default). */
  ownerId: ownerIdSchema.optional(),
  accountNumber: accountNumberSchema,
  accountName: accountNameSchema,
  ownerName: ownerNameSchema,
  initialBalance: nonNegativeAmountSchema,
  description: descriptionSchema,
});

export const depositBodySchema = z.object({ amount: amountSchema, description: descriptionSchema });
export const withdrawBodySchema = depositBodySchema;

export const transferBodySchema = z.object({
  // A body field, unlike the path id: a malformed one is a 400 naming the field; a well-formed unknown one is a 404.
  toAccountId: z
    .guid({
      error: (issue) => (issue.input === undefined ? 'To account id is required' : 'To account id must be a uuid'),
    })
    .transform((id) => id.toLowerCase()),
  amount: amountSchema,
  description: descriptionSchema,
});

export const getAccountQuerySchema = z
  .object({
    asOf: z.iso
      .datetime({ offset: true, error: 'asOf must be an ISO 8601 timestamp, e.g. 2024-01-31T12:00:00Z' })
      .transform((value) => new Date(value))
      .optional(),
    version: integerParam('version', { min: 1, max: MAX_INT4 }).optional(),
  })
  .refine((query) => query.asOf === undefined || query.version === undefined, {
    path: ['version'],
    message: 'asOf and version cannot be combined',
  });

export const historyQuerySchema = z.object({
  fromVersion: integerParam('fromVersion', { min: 1, max: MAX_INT4 }).optional(),
  limit: integerParam('limit', { min: 1, max: MAX_HISTORY_LIMIT }).default(DEFAULT_HISTORY_LIMIT),
});
