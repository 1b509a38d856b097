import type { Message } from 'kafkajs';
import { integrationEventSchema, MappingError, traceparentOf, type IntegrationEventWire } from '../contracts';
import type { StoredEvent } from '../../event-store';
import { DLQ_HEADER, eventHeaders, HEADER, JSON_CONTENT_TYPE } from '../../platform/kafka/headers';

// What the relay sends for a stored event: its integration event (key, value, headers), or its dead letter.

/** The relay refuses to publish what its own consumers would reject: it stops (loudly) instead. */
export function assertContract(source: StoredEvent, event: IntegrationEventWire): void {
  const parsed = integrationEventSchema.safeParse(event);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new MappingError(source.eventId, source.streamId, source.streamVersion, `violates the contract: ${reason}`);
  }
}

function metadataString(metadata: unknown, key: string): string | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A stored event that could not be relayed, as it is in the store, with the reason. */
export function toDeadLetter(source: StoredEvent, reason: string): Message {
  const correlationId = metadataString(source.metadata, 'correlationId');
  return {
    key: source.streamId,
    value: JSON.stringify(source),
    headers: {
      [DLQ_HEADER.reason]: reason.slice(0, 2_000),
      [DLQ_HEADER.consumer]: 'relay',
      [DLQ_HEADER.failedAt]: new Date().toISOString(),
      [HEADER.eventId]: source.eventId,
      [HEADER.eventType]: source.type,
      [HEADER.contentType]: JSON_CONTENT_TYPE,
      ...(correlationId && { [HEADER.correlationId]: correlationId }),
    },
  };
}

export function toMessage(source: StoredEvent, event: IntegrationEventWire): Message {
  const correlationId = metadataString(source.metadata, 'correlationId');
  // The first message of a request is caused by the request itself (causation id = correlation id).
  const causationId = metadataString(source.metadata, 'causationId') ?? correlationId;
  return {
    key: event.accountId,
    value: JSON.stringify(event),
    headers: eventHeaders({
      eventType: event.eventType,
      eventId: event.eventId,
      schemaVersion: event.schemaVersion,
      correlationId,
      causationId,
      traceparent: traceparentOf(source.metadata),
    }),
  };
}
