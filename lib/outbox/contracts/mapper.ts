import { actorOfEvent } from '../../commands/accounts/codec';
import { decodeAccountEvent, type AccountEvent } from '../../commands/banking/events';
import {
  ACCOUNT_BALANCE_UPDATED_EVENT,
  ACCOUNT_CREATED_EVENT,
  INTEGRATION_SCHEMA_VERSION,
  type IntegrationEventWire,
} from './integration-events';
import { toWireAmount } from './money';
import { formatTraceparent, parseTraceparent } from '../../platform/observability/trace';

function formatTraceparentIfValid(value: string): string | undefined {
  const trace = parseTraceparent(value);
  return trace && formatTraceparent(trace);
}

/** The parts of a stored event the mapper needs (structurally the event store's stored event). */
export interface SourceEvent {
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  data: unknown;
  metadata: unknown;
  createdAt: Date;
}

/**
 * What the relay knows about an account after the last event it mapped: enough to fill previousBalance, newBalance
 * and the account's names on every integration event. Balance in cents.
 */
export interface AccountFacts {
  accountId: string;
  accountNumber: string;
  accountName: string;
  ownerName: string;
  balance: number;
  version: number;
}

/** A domain event that cannot become an integration event. The relay must stop, never skip it. */
export class MappingError extends Error {
  constructor(
    readonly eventId: string,
    readonly streamId: string,
    readonly streamVersion: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot map event ${eventId} (stream ${streamId} v${streamVersion}): ${reason}`, options);
    this.name = 'MappingError';
  }
}

export function schemaVersionOf(metadata: unknown): unknown {
  return typeof metadata === 'object' && metadata !== null
    ? (metadata as Record<string, unknown>).schemaVersion
    : undefined;
}

/** The W3C traceparent the event was written under (the relay puts it on the Kafka record), if valid. */
export function traceparentOf(metadata: unknown): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Record<string, unknown>).traceparent;
  return typeof value === 'string' ? formatTraceparentIfValid(value) : undefined;
}

/**
 * Maps one domain event (AccountCreated, MoneyDeposited, MoneyWithdrawn; amounts in cents) to its integration event,
 * folding the account facts forward: previousBalance is `facts.balance`, newBalance is computed in integer cents.
 * `facts` must be the state right after version `streamVersion - 1` (undefined before version 1).
 */
export function mapToIntegrationEvent(
  facts: AccountFacts | undefined,
  source: SourceEvent,
): { event: IntegrationEventWire; facts: AccountFacts } {
  const fail = (reason: string, cause?: unknown): never => {
    throw new MappingError(source.eventId, source.streamId, source.streamVersion, reason, { cause });
  };
  let domainEvent: AccountEvent;
  try {
    domainEvent = decodeAccountEvent(source.type, source.data, schemaVersionOf(source.metadata));
  } catch (error) {
    return fail((error as Error).message, error);
  }
  const expectedVersion = (facts?.version ?? 0) + 1;
  if (source.streamVersion !== expectedVersion) {
    fail(`expected stream version ${expectedVersion}`);
  }
  const occurredAt = source.createdAt.toISOString();
  const actor =
    typeof source.metadata === 'object' && source.metadata !== null
      ? actorOfEvent(source.metadata as Record<string, unknown>)
      : null;

  if (domainEvent.type === 'AccountCreated') {
    if (facts) fail('AccountCreated on an account that already exists');
    const data = domainEvent.data;
    if (data.accountId !== source.streamId) fail(`accountId ${data.accountId} differs from the stream id`);
    const next: AccountFacts = {
      accountId: source.streamId,
      accountNumber: data.accountNumber,
      accountName: data.accountName,
      ownerName: data.ownerName,
      balance: data.initialBalance,
      version: source.streamVersion,
    };
    return {
      facts: next,
      event: {
        eventType: ACCOUNT_CREATED_EVENT,
        schemaVersion: INTEGRATION_SCHEMA_VERSION,
        eventId: source.eventId,
        occurredAt,
        streamVersion: 1,
        accountId: next.accountId,
        ...(data.ownerId !== undefined && { ownerId: data.ownerId }),
        accountNumber: next.accountNumber,
        accountName: next.accountName,
        ownerName: next.ownerName,
        ...(actor && { actor }),
        initialBalance: toWireAmount(data.initialBalance),
        transaction: {
          transactionId: source.eventId,
          amount: toWireAmount(data.initialBalance),
          description: data.description,
          createdAt: occurredAt,
        },
      },
    };
  }

  const current = facts ?? fail(`${domainEvent.type} before AccountCreated`);
  const data = domainEvent.data;
  const signed = domainEvent.type === 'MoneyDeposited' ? data.amount : -data.amount;
  const newBalance = current.balance + signed;
  if (!Number.isSafeInteger(newBalance)) fail('balance overflow');
  const next: AccountFacts = { ...current, balance: newBalance, version: source.streamVersion };
  return {
    facts: next,
    event: {
      eventType: ACCOUNT_BALANCE_UPDATED_EVENT,
      schemaVersion: INTEGRATION_SCHEMA_VERSION,
      eventId: source.eventId,
      occurredAt,
      streamVersion: source.streamVersion,
      accountId: current.accountId,
      accountNumber: current.accountNumber,
      accountName: current.accountName,
      ownerName: current.ownerName,
      ...(actor && { actor }),
      previousBalance: toWireAmount(current.balance),
      newBalance: toWireAmount(newBalance),
      transaction: {
        transactionId: source.eventId,
        amount: toWireAmount(signed),
        description: data.description,
        createdAt: occurredAt,
        ...(data.transferId !== undefined && {
          transferId: data.transferId,
          counterpartyAccountId: data.counterpartyAccountId,
          counterpartyAccountNumber: data.counterpartyAccountNumber,
        }),
      },
    },
  };
}
