/**
 * Query and path schemas of the report routes, without runtime dependencies beyond zod so that the OpenAPI document
 * can re-use them.
 */
import { z } from 'zod';
import { HttpProblem } from '../http/problem';

export const DEFAULT_REPORT_LIMIT = 100;
export const MAX_REPORT_LIMIT = 1000;
const MAX_OFFSET = 1_000_000;

function integerParam(name: string, { min, max }: { min: number; max: number }) {
  return z
    .string()
    .regex(/^\d{1,10}$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `${name} must be between ${min} and ${max}`);
}

/** Opaque keyset cursors: base64url of a small JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function cursorParam<T>(shape: z.ZodType<T>) {
  return z.string().transform((raw, ctx): T => {
    try {
      if (!/^[A-Za-z0-9_-]{1,1000}$/.test(raw)) throw new Error('not base64url');
      const parsed = shape.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
      if (parsed.success) return parsed.data;
    } catch {
      // fall through
    }
    ctx.addIssue({
      code: 'custom',
      message: "cursor is not valid: use the value of the previous page's X-Next-Cursor",
    });
    return z.NEVER;
  });
}

// Every report that returns rows pages them: its query schema spreads these (report-schemas.unit.spec.ts checks it).
const pagination = {
  limit: integerParam('limit', { min: 1, max: MAX_REPORT_LIMIT })
    .default(DEFAULT_REPORT_LIMIT)
    .meta({ description: `Rows per page, 1 to ${MAX_REPORT_LIMIT} (default ${DEFAULT_REPORT_LIMIT})` }),
  offset: integerParam('offset', { min: 0, max: MAX_OFFSET }).optional(),
};

// (no NUL: PostgreSQL text cannot hold it, and no account name contains one)
export const balancesCursorSchema = z.object({
  n: z
    .string()
    .max(100)
    .refine((name) => !name.includes('\u0000')),
  i: z.guid(),
});

export const listBalancesQuerySchema = z
  .object({ ...pagination, cursor: cursorParam(balancesCursorSchema).optional() })
  .refine((query) => query.offset === undefined || query.cursor === undefined, {
    path: ['cursor'],
    message: 'cursor and offset cannot be combined',
  });

export const transactionsCursorSchema = z.object({ v: z.number().int().min(1).max(2_147_483_647) });

export const listTransactionsQuerySchema = z
  .object({ ...pagination, cursor: cursorParam(transactionsCursorSchema).optional() })
  .refine((query) => query.offset === undefined || query.cursor === undefined, {
    path: ['cursor'],
    message: 'cursor and offset cannot be combined',
  });

export const transactionsPathSchema = z.object({ accountId: z.guid().transform((id) => id.toLowerCase()) });

export function reportAccountNotFound(pathParameters: Record<string, string | undefined>): HttpProblem {
  return new HttpProblem(404, {
    type: 'account-not-found',
    detail: `Account ${pathParameters.accountId ?? ''} is not in the read model (unknown, or not projected yet).`,
  });
}

export const freshnessQuerySchema = z.object({
  accountId: z
    .guid()
    .transform((id) => id.toLowerCase())
    .optional()
    .meta({ description: 'Only this account (default: every account)' }),
});
