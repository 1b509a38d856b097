import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { freshnessHeaderDocs, freshnessSchema } from './freshness';
import {
  freshnessQuerySchema,
  listBalancesQuerySchema,
  listTransactionsQuerySchema,
  transactionsPathSchema,
} from './report-schemas';
import { balanceSchema, moneySchema } from './response-schemas';
import { errorResponses, jsonOk } from './responses';

const uuid = z.uuid();
const instant = z.iso.datetime({ offset: true });
const nullableInstant = instant.nullable();

const nextPageHeaders = {
  'X-Next-Cursor': { description: 'Cursor of the next page (absent on the last page)', schema: { type: 'string' } },
  Link: { description: 'RFC 8288 link to the next page: <...>; rel="next"', schema: { type: 'string' } },
  ...freshnessHeaderDocs,
};

export const balanceRowSchema = z.object({
  accountId: uuid,
  accountNumber: z.string(),
  accountName: z.string(),
  ownerName: z.string(),
  balance: balanceSchema,
  lastUpdated: instant,
  lastAppliedVersion: z.int().min(1),
});

export const transactionRowSchema = z.object({
  transactionId: uuid,
  accountId: uuid,
  accountNumber: z.string(),
  accountName: z.string(),
  amount: moneySchema.meta({ description: 'Signed: credits > 0, debits < 0' }),
  openingBalance: balanceSchema,
  closingBalance: balanceSchema,
  description: z.string(),
  date: instant,
  version: z.int().min(1),
  transferId: z.string().optional(),
});

const position = z.object({ transactionId: z.string(), globalPosition: z.string() }).nullable();

const partitionLagSchema = z.object({
  partition: z.int().min(0),
  lowWatermark: z.int().min(0),
  highWatermark: z.int().min(0),
  committedOffset: z.int().min(0).nullable(),
  lag: z.int().min(0),
});

const projectionSchema = z.object({
  name: z.enum(['balances', 'transactions']),
  rows: z.int().min(0),
  eventsApplied: z.int().min(0),
  eventsInStore: z.int().min(0),
  behind: z.int().min(0),
  lastAppliedAt: nullableInstant,
});

const auditSchema = z
  .object({
    divergentAccounts: z.int().min(0).nullable().meta({
      description:
        'Accounts whose read model disagreed with the event store in the last finished audit (null: none finished yet)',
    }),
    repairedAccounts: z.int().min(0).nullable().meta({ description: 'Of those, re-projected from the event store' }),
    accountsChecked: z.int().min(0).nullable(),
    startedAt: nullableInstant.meta({ description: 'When the last finished audit started' }),
    finishedAt: nullableInstant.meta({ description: 'When the last finished audit ended' }),
    divergent: z
      .array(z.object({ accountId: z.guid(), reason: z.string() }))
      .meta({ description: 'The first divergent accounts of the last finished audit (at most 20), with the reason' }),
    running: z.boolean().meta({ description: 'An audit is under way (it may span several sweeps)' }),
  })
  .meta({
    description:
      "The read-model audit, run by the scheduled sweep: every account's balance, last applied version and event id and transactions compared with the event store",
  });

const secondsAge = z.number().min(0);

export const statusSchema = z.object({
  backlog: z
    .object({
      relayBacklogEvents: z.int().min(0).meta({ description: 'Events committed, not yet on Kafka' }),
      relayBacklogAgeSeconds: secondsAge.meta({ description: 'Age of the oldest of them (0: none)' }),
      projectionLagEvents: z.int().min(0).meta({ description: 'Account events not yet in the read models' }),
      projectionLagAgeSeconds: secondsAge.meta({ description: 'Age of the oldest of them (0: none)' }),
      parkedEvents: z.int().min(0),
    })
    .meta({
      description:
        'The numbers the scheduled sweep writes as CloudWatch metrics (RelayBacklogEvents, RelayBacklogAge, ProjectionLagEvents, ProjectionLagAge, ParkedEvents; docs/operations.md)',
    }),
  relay: z.object({
    name: z.string(),
    checkpoint: position,
    head: position,
    pendingEvents: z.int().min(0),
    oldestPendingAt: nullableInstant,
    eventsRelayed: z.int().min(0),
    lastRelayAt: nullableInstant,
    upToDate: z.boolean(),
  }),
  kafka: z.object({
    topic: z.string(),
    consumerGroup: z.string(),
    available: z.boolean(),
    partitions: z.array(partitionLagSchema).optional(),
    totalLag: z.int().min(0).optional(),
    error: z.string().optional(),
  }),
  projections: z.array(projectionSchema),
  projector: z.object({
    accountsTracked: z.int().min(0),
    parkedEvents: z.int().min(0),
    oldestParkedAt: nullableInstant,
    oldestUnappliedAt: nullableInstant,
    lastRebuild: z.object({ rebuiltAt: instant, events: z.int().min(0), durationMs: z.number().min(0) }).nullable(),
    audit: auditSchema,
  }),
  deadLetter: z.object({ topic: z.string(), count: z.int().min(0).nullable() }),
});

/** The query API (functions/reports), with the query/path schemas its handlers validate with. */
export function reportRoutes(): RouteConfig[] {
  return [
    {
      method: 'get',
      path: '/api/reports/balances',
      operationId: 'listBalances',
      tags: ['Reports'],
      summary: 'Balances of the accounts the caller may see, ordered by account name',
      description:
        'Customers see their own accounts only; tellers and admins see every account. ' +
        "Pages by `offset` or by `cursor` (from the previous page's X-Next-Cursor), not both.",
      request: { query: listBalancesQuerySchema },
      responses: {
        200: jsonOk('A page of balances', z.array(balanceRowSchema), nextPageHeaders),
        ...errorResponses([400, 500]),
      },
    },
    {
      method: 'get',
      path: '/api/reports/transactions/{accountId}',
      operationId: 'listTransactions',
      tags: ['Reports'],
      summary: "An account's transactions, newest first",
      description:
        'closingBalance = openingBalance + amount; each row opens with the closing balance of the one before.',
      request: { params: transactionsPathSchema, query: listTransactionsQuerySchema },
      responses: {
        200: jsonOk('A page of transactions', z.array(transactionRowSchema), nextPageHeaders),
        ...errorResponses([400, 404, 500]),
      },
    },
    {
      method: 'get',
      path: '/api/reports/freshness',
      operationId: 'reportFreshness',
      tags: ['Reports'],
      summary: 'How far the read models trail the event store (every account, or one)',
      description:
        'eventsBehind counts account events stored but not yet applied to the read models; the report pages poll this.',
      request: { query: freshnessQuerySchema },
      responses: {
        200: jsonOk('Freshness of the read models', freshnessSchema, freshnessHeaderDocs),
        ...errorResponses([400, 404, 500]),
      },
    },
    {
      method: 'get',
      path: '/api/reports/status',
      operationId: 'reportStatus',
      tags: ['Operations'],
      summary: 'Pipeline status: relay lag, consumer lag per partition, projection progress and audit, dead letters',
      description: 'Admins only.',
      responses: {
        200: jsonOk('Status (Kafka being unreachable is reported in the body)', statusSchema),
        ...errorResponses([403, 500]),
      },
    },
  ];
}
