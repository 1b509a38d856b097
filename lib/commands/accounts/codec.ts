import { EVENT_SCHEMA_VERSION, decodeAccountEvent, type AccountEvent } from '../banking/events';
import type { NewEvent, StoredEvent } from '../../event-store/types';
import { currentTraceparent } from '../../platform/observability/trace';
import type { CommandContext } from './types';

export const ACCOUNT_STREAM_TYPE = 'account';

/** Domain event → event-store event, with the metadata every stored event carries. */
export function toNewEvent(event: AccountEvent, ctx: CommandContext): NewEvent {
  const traceparent = ctx.traceparent ?? currentTraceparent();
  return {
    type: event.type,
    data: { ...event.data },
    metadata: {
      schemaVersion: EVENT_SCHEMA_VERSION,
      correlationId: ctx.correlationId,
      ...(ctx.causationId === undefined ? {} : { causationId: ctx.causationId }),
      ...(ctx.idempotency === undefined ? {} : { idempotencyKey: ctx.idempotency.key }),
      ...(traceparent === undefined ? {} : { traceparent }),
    },
  };
}

/** Stored event → domain event. Throws UndecodableEventError: an event that cannot be read is never skipped. */
export function fromStoredEvent(event: StoredEvent): AccountEvent {
  return decodeAccountEvent(event.type, event.data, event.metadata.schemaVersion);
}
