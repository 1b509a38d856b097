import { z } from 'zod';
import type { Freshness } from '../../queries/freshness';

export const EVENTS_BEHIND_HEADER = 'X-Read-Model-Events-Behind';
export const AS_OF_HEADER = 'X-Read-Model-As-Of';

/** The freshness headers of every report response (OpenAPI: `freshnessHeaderDocs`). */
export function freshnessHeaders(freshness: Freshness): Record<string, string> {
  return {
    [EVENTS_BEHIND_HEADER]: String(freshness.eventsBehind),
    ...(freshness.asOf ? { [AS_OF_HEADER]: freshness.asOf.toISOString() } : {}),
  };
}

export const freshnessHeaderDocs = {
  [EVENTS_BEHIND_HEADER]: {
    description:
      'Account events in the event store that the read model has not applied yet (for the accounts of this report); 0 = up to date',
    schema: { type: 'integer', minimum: 0 },
  },
  [AS_OF_HEADER]: {
    description: 'When the read model last applied an event of these accounts (absent: never)',
    schema: { type: 'string', format: 'date-time' },
  },
};

export const freshnessSchema = z
  .object({
    upToDate: z.boolean(),
    eventsBehind: z.int().min(0),
    asOf: z.iso.datetime({ offset: true }).nullable(),
    checkedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ description: 'How far the read models trail the event store' });

export function freshnessBody(freshness: Freshness): z.infer<typeof freshnessSchema> {
  return {
    upToDate: freshness.eventsBehind === 0,
    eventsBehind: freshness.eventsBehind,
    asOf: freshness.asOf?.toISOString() ?? null,
    checkedAt: freshness.checkedAt.toISOString(),
  };
}
