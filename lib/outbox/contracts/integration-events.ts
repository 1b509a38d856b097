import { z } from 'zod';
import { MAX_AMOUNT_CENTS, MAX_BALANCE_CENTS } from '../../commands/banking/money';
import { wireAmountSchema } from './money';

/**
 * Integration events published on the banking topic (`KAFKA_TOPIC`, default `banking-events`).
 *
 * Contract, schema version 1 (camelCase JSON, UTF-8, Content-Type application/json):
 * - `eventType` names the event ("AccountCreatedEvent" | "AccountBalanceUpdatedEvent") and `schemaVersion` its major
 *   version. A consumer refuses a major version it does not know (dead-letter), and ignores unknown fields (new
 *   optional fields are a minor, compatible change that does not bump the version).
 * - `eventId` is the event store's event id (uuid): stable across redeliveries and rebuilds; `streamVersion` is the
 *   account stream's version (1 = AccountCreated), which is how consumers order and de-duplicate per account.
 * - `occurredAt` / `transaction.createdAt`: ISO-8601 UTC instants when the event was committed.
 * - amounts: exact decimal strings with two decimals (see ./money.ts). `transaction.amount` is signed: positive
 *   credits the account, negative debits it; `newBalance = previousBalance + transaction.amount` always holds.
 * - `transaction.transactionId` = `eventId` (one transaction per event; both legs of a transfer share `transferId`).
 * Kafka: key = accountId (per-account order within one partition); headers see lib/platform/kafka/headers.ts.
 */
export const INTEGRATION_SCHEMA_VERSION = 1;

export const ACCOUNT_CREATED_EVENT = 'AccountCreatedEvent';
export const ACCOUNT_BALANCE_UPDATED_EVENT = 'AccountBalanceUpdatedEvent';
export const INTEGRATION_EVENT_TYPES = [ACCOUNT_CREATED_EVENT, ACCOUNT_BALANCE_UPDATED_EVENT] as const;
export type IntegrationEventType = (typeof INTEGRATION_EVENT_TYPES)[number];

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a uuid');
const instant = z.iso.datetime({ offset: true });
const accountNumber = z.string().regex(/^[A-Za-z0-9-]{1,34}$/, 'must be 1 to 34 characters: letters, digits or "-"');
const name = z.string().min(1).max(100);
const description = z.string().max(200);

const bounded = (max: number, { signed, allowZero }: { signed: boolean; allowZero: boolean }) =>
  wireAmountSchema.refine(
    (cents) => Math.abs(cents) <= max && (signed || cents >= 0) && (allowZero || cents !== 0),
    `must be ${signed ? '' : 'non-negative '}${allowZero ? '' : 'non-zero '}and at most ${max / 100} in magnitude`,
  );

const balance = bounded(MAX_BALANCE_CENTS, { signed: true, allowZero: true });

const envelope = {
  schemaVersion: z.literal(INTEGRATION_SCHEMA_VERSION),
  eventId: uuid,
  occurredAt: instant,
  accountId: uuid,
  accountNumber,
  accountName: name,
  ownerName: name,
  /** Who caused the event (minor addition, issue 13); absent on events recorded before actors were. */
  actor: z.object({ sub: z.string().min(1).max(128), username: z.string().min(1).max(128) }).optional(),
};

const transactionBase = {
  transactionId: uuid,
  description,
  createdAt: instant,
};

export const accountCreatedEventSchema = z
  .object({
    eventType: z.literal(ACCOUNT_CREATED_EVENT),
    ...envelope,
    streamVersion: z.literal(1),
    /** The owner's sub (issue 13); absent on accounts opened before owners were recorded. */
    ownerId: z.string().min(1).max(128).optional(),
    initialBalance: bounded(MAX_AMOUNT_CENTS, { signed: false, allowZero: true }),
    transaction: z.object({
      ...transactionBase,
      amount: bounded(MAX_AMOUNT_CENTS, { signed: false, allowZero: true }),
    }),
  })
  .refine((event) => event.transaction.amount === event.initialBalance, {
    message: 'transaction.amount must equal initialBalance',
    path: ['transaction', 'amount'],
  });

export const accountBalanceUpdatedEventSchema = z
  .object({
    eventType: z.literal(ACCOUNT_BALANCE_UPDATED_EVENT),
    ...envelope,
    streamVersion: z.number().int().min(2).max(2_147_483_647),
    previousBalance: balance,
    newBalance: balance,
    transaction: z.object({
      ...transactionBase,
      amount: bounded(MAX_AMOUNT_CENTS, { signed: true, allowZero: false }),
      transferId: z.string().min(1).max(100).optional(),
      counterpartyAccountId: uuid.optional(),
      counterpartyAccountNumber: accountNumber.optional(),
    }),
  })
  .refine((event) => event.newBalance === event.previousBalance + event.transaction.amount, {
    message: 'newBalance must equal previousBalance + transaction.amount',
    path: ['newBalance'],
  });

export const integrationEventSchema = z.discriminatedUnion('eventType', [
  accountCreatedEventSchema,
  accountBalanceUpdatedEventSchema,
]);

/** As on the wire (amounts are decimal strings). */
export type AccountCreatedEventWire = z.input<typeof accountCreatedEventSchema>;
export type AccountBalanceUpdatedEventWire = z.input<typeof accountBalanceUpdatedEventSchema>;
export type IntegrationEventWire = AccountCreatedEventWire | AccountBalanceUpdatedEventWire;

/** As parsed (amounts are integer cents). */
export type AccountCreatedEvent = z.output<typeof accountCreatedEventSchema>;
export type AccountBalanceUpdatedEvent = z.output<typeof accountBalanceUpdatedEventSchema>;
export type IntegrationEvent = AccountCreatedEvent | AccountBalanceUpdatedEvent;

export type ParseResult = { ok: true; event: IntegrationEvent } | { ok: false; reason: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates a decoded JSON value. Never throws: the reason is meant for a dead-letter header. */
export function parseIntegrationEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'payload is not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  if (!INTEGRATION_EVENT_TYPES.includes(record.eventType as IntegrationEventType)) {
    return { ok: false, reason: `unknown eventType ${JSON.stringify(record.eventType) ?? 'undefined'}` };
  }
  if (record.schemaVersion !== INTEGRATION_SCHEMA_VERSION) {
    return {
      ok: false,
      reason: `unsupported schemaVersion ${JSON.stringify(record.schemaVersion) ?? 'undefined'} (supported: ${INTEGRATION_SCHEMA_VERSION})`,
    };
  }
  const parsed = integrationEventSchema.safeParse(value);
  return parsed.success ? { ok: true, event: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

/** Decodes message bytes (UTF-8 JSON) and validates them. */
export function decodeIntegrationEvent(bytes: Buffer | null | undefined): ParseResult {
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    return { ok: false, reason: 'empty message value (tombstone)' };
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `value is not valid JSON: ${(error as Error).message}` };
  }
  return parseIntegrationEvent(json);
}
