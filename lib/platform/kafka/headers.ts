import type { IHeaders } from 'kafkajs';

/**
 * Kafka headers on every integration event (values UTF-8 strings). The payload is self-describing too (eventType,
 * eventId, schemaVersion); headers let routers and tools act without parsing it.
 */
export const HEADER = {
  eventType: 'event-type',
  eventId: 'event-id',
  schemaVersion: 'schema-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  contentType: 'content-type',
  /** W3C trace context of the request that wrote the event (lib/platform/observability/trace.ts) */
  traceparent: 'traceparent',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';

/** Dead-letter headers, added to the original message's headers. */
export const DLQ_HEADER = {
  reason: 'dlq-reason',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  originalTimestamp: 'dlq-original-timestamp',
  failedAt: 'dlq-failed-at',
  consumer: 'dlq-consumer',
} as const;

/**
 * On an event the relay published again at an admin's request (a dead letter re-published after a fix): the id of
 * that request (event_store.republish_requests). The message is otherwise exactly what the relay sends.
 */
export const REPUBLISH_HEADER = 'republish-request';

export interface EventHeaderValues {
  eventType: string;
  eventId: string;
  schemaVersion: number;
  correlationId?: string | undefined;
  causationId?: string | undefined;
  traceparent?: string | undefined;
}

export function eventHeaders(values: EventHeaderValues): IHeaders {
  const headers: IHeaders = {
    [HEADER.eventType]: values.eventType,
    [HEADER.eventId]: values.eventId,
    [HEADER.schemaVersion]: String(values.schemaVersion),
    [HEADER.contentType]: JSON_CONTENT_TYPE,
  };
  if (values.correlationId) headers[HEADER.correlationId] = values.correlationId;
  if (values.causationId) headers[HEADER.causationId] = values.causationId;
  if (values.traceparent) headers[HEADER.traceparent] = values.traceparent;
  return headers;
}

/** Header values as strings (first value when repeated); undefined values dropped. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}
