import { EVENT_SCHEMA_VERSION, decodeAccountEvent, type AccountEvent } from '../banking/events';
import type { NewEvent, StoredEvent } from '../../event-store/types';
import { actorOf, type Actor } from '../../platform/auth/verify-token';
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
      ...(ctx.caller === undefined ? {} : { actor: actorOf(ctx.caller) }),
      ...(traceparent === undefined ? {} : { traceparent }),
    },
  };
}

/** Stored event → domain event. Throws UndecodableEventError: an event that cannot be read is never skipped. */
export function fromStoredEvent(event: StoredEvent): AccountEvent {
  return decodeAccountEvent(event.type, event.data, event.metadata.schemaVersion);
}

/** The actor recorded in an event's metadata; null for events from before actors were recorded. */
export function actorOfEvent(metadata: Record<string, unknown>): Actor | null {
  const actor = metadata.actor as Partial<Actor> | undefined;
  return typeof actor?.sub === 'string' && typeof actor.username === 'string'
    ? { sub: actor.sub, username: actor.username }
    : null;
}
