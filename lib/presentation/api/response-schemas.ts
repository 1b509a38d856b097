/**
 * What the API answers, as zod schemas for the OpenAPI document. Amounts are JSON numbers written with exactly 2
 * decimals (lib/presentation/http/json.ts); ids are uuids; instants are ISO 8601 strings in UTC.
 */
import { z } from 'zod';
import { ACCOUNT_EVENT_TYPES } from '../../commands/banking/events';
import { MAX_BALANCE_CENTS } from '../../commands/banking/money';

const MONEY_NOTE = 'JSON number with exactly 2 decimals (e.g. 100.00)';

export const moneySchema = z.number().meta({ description: `An amount: ${MONEY_NOTE}.`, example: 1250.5 });
export const balanceSchema = z
  .number()
  .min(0)
  .max(MAX_BALANCE_CENTS / 100)
  .meta({ description: `A balance, never negative: ${MONEY_NOTE}.`, example: 1250.5 });
const uuid = z.uuid();
const instant = z.iso
  .datetime({ offset: true })
  .meta({ description: 'ISO 8601 instant', example: '2026-11-27T09:12:00.000Z' });

export const fieldErrorSchema = z.object({
  field: z.string().meta({ description: 'Body path ("amount"), query parameter ("limit"), header or "body"' }),
  message: z.string(),
});

/** RFC 9457 problem details, as lib/presentation/http/problem.ts writes them. */
export const problemSchema = z
  .object({
    type: z
      .string()
      .meta({ description: 'Problem type (relative URI under /problems/)', example: '/problems/validation-error' }),
    title: z.string(),
    status: z.int().min(100).max(599),
    detail: z.string(),
    instance: z.string().meta({ description: 'The request path' }),
    correlationId: z.string().meta({ description: 'Also in the X-Correlation-Id response header' }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: 'Per-field messages of a validation failure' }),
  })
  .meta({ id: 'Problem' });

export const openAccountResponseSchema = z.object({ accountId: uuid });

export const accountSchema = z.object({
  id: uuid,
  accountNumber: z.string(),
  accountName: z.string(),
  ownerName: z.string(),
  balance: balanceSchema,
  version: z.int().min(1).meta({ description: 'Number of events in the account stream' }),
  isActive: z.boolean(),
});

export const balanceUpdateResponseSchema = z.object({
  balance: balanceSchema,
  version: z.int().min(1),
});

export const transferResponseSchema = z.object({
  transferId: uuid,
  fromAccountNewBalance: balanceSchema,
  toAccountNewBalance: balanceSchema,
});

const accountCreatedDataSchema = z.object({
  accountId: uuid,
  accountNumber: z.string(),
  accountName: z.string(),
  ownerName: z.string(),
  initialBalance: moneySchema,
  description: z.string(),
});
const moneyMovedDataSchema = z.object({
  amount: moneySchema,
  description: z.string(),
  transferId: uuid.optional(),
  counterpartyAccountId: uuid.optional(),
  counterpartyAccountNumber: z.string().optional(),
});

export const historyEntrySchema = z.object({
  id: uuid.meta({ description: "The event's own id" }),
  type: z.enum(ACCOUNT_EVENT_TYPES as [string, ...string[]]),
  version: z.int().min(1),
  timestamp: instant,
  data: z.union([accountCreatedDataSchema, moneyMovedDataSchema]),
});
export const historySchema = z.array(historyEntrySchema);

const healthCheckSchema = z.object({
  status: z.enum(['Healthy', 'Unhealthy']),
  durationMs: z.number().min(0),
  error: z.string().optional(),
});
export const healthSchema = z.object({
  status: z.enum(['Healthy', 'Unhealthy']),
  failing: z.array(z.string()).optional(),
  checks: z.object({ postgres: healthCheckSchema, kafka: healthCheckSchema }),
});
