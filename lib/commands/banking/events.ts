import { z } from 'zod';

/** Version of the `data` payloads below; stored in each event's metadata as `schemaVersion`. */
export const EVENT_SCHEMA_VERSION = 1;

const centsSchema = (allowZero: boolean) =>
  z
    .number()
    .refine(Number.isSafeInteger, 'must be a safe integer of cents')
    .refine((cents) => (allowZero ? cents >= 0 : cents > 0), allowZero ? 'must be ≥ 0' : 'must be > 0');

const id = z.string().min(1);

export const accountCreatedDataSchema = z.strictObject({
  accountId: id,
  /** The owner's subject (the signed-in user's stable id); absent on accounts opened before owners were recorded. */
  ownerId: id.optional(),
  accountNumber: id,
  accountName: z.string(),
  ownerName: z.string(),
  initialBalance: centsSchema(true),
  description: z.string(),
});

const transferLegKeys = ['transferId', 'counterpartyAccountId', 'counterpartyAccountNumber'] as const;

const moneyMovedDataSchema = z
  .strictObject({
    amount: centsSchema(false),
    description: z.string(),
    transferId: id.optional(),
    counterpartyAccountId: id.optional(),
    counterpartyAccountNumber: id.optional(),
  })
  .refine(
    (data) => new Set(transferLegKeys.map((key) => data[key] === undefined)).size === 1,
    'transferId, counterpartyAccountId and counterpartyAccountNumber go together',
  );

export const moneyDepositedDataSchema = moneyMovedDataSchema;
export const moneyWithdrawnDataSchema = moneyMovedDataSchema;

export type AccountCreatedData = z.output<typeof accountCreatedDataSchema>;
export type MoneyMovedData = z.output<typeof moneyMovedDataSchema>;

export type AccountCreated = { type: 'AccountCreated'; data: AccountCreatedData };
export type MoneyDeposited = { type: 'MoneyDeposited'; data: MoneyMovedData };
export type MoneyWithdrawn = { type: 'MoneyWithdrawn'; data: MoneyMovedData };
export type AccountEvent = AccountCreated | MoneyDeposited | MoneyWithdrawn;
export type AccountEventType = AccountEvent['type'];

const dataSchemas = {
  AccountCreated: accountCreatedDataSchema,
  MoneyDeposited: moneyDepositedDataSchema,
  MoneyWithdrawn: moneyWithdrawnDataSchema,
} as const;

export const ACCOUNT_EVENT_TYPES = Object.keys(dataSchemas) as AccountEventType[];

export function isAccountEventType(type: string): type is AccountEventType {
  return Object.hasOwn(dataSchemas, type);
}

/** A stored event that cannot be turned into a domain event. Callers must fail, never skip it. */
export class UndecodableEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly schemaVersion: unknown,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot decode event ${eventType} (schema version ${String(schemaVersion)}): ${reason}`, options);
    this.name = 'UndecodableEventError';
  }
}

/** Validates a stored event's type, schema version and data. Throws UndecodableEventError. */
export function decodeAccountEvent(type: string, data: unknown, schemaVersion: unknown): AccountEvent {
  if (!isAccountEventType(type)) {
    throw new UndecodableEventError(type, schemaVersion, 'unknown event type');
  }
  if (schemaVersion !== EVENT_SCHEMA_VERSION) {
    throw new UndecodableEventError(
      type,
      schemaVersion,
      `unsupported schema version, expected ${EVENT_SCHEMA_VERSION}`,
    );
  }
  const parsed = dataSchemas[type].safeParse(data);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`).join('; ');
    throw new UndecodableEventError(type, schemaVersion, reason, { cause: parsed.error });
  }
  return { type, data: parsed.data } as AccountEvent;
}
