/**
 * The OpenAPI 3.1 document of the JSON API, generated from the zod schemas the handlers validate with
 * (./account-schemas.ts, ./report-schemas.ts) and the response shapes (./response-schemas.ts). Served by functions/web/openapi.ts.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { MAX_AMOUNT_CENTS, formatAmount } from '../../commands/banking/money';
import {
  accountPathSchema,
  depositBodySchema,
  getAccountQuerySchema,
  historyQuerySchema,
  openAccountBodySchema,
  transferBodySchema,
  withdrawBodySchema,
} from './account-schemas';
import {
  accountSchema,
  balanceUpdateResponseSchema,
  healthSchema,
  historySchema,
  openAccountResponseSchema,
  transferResponseSchema,
} from './response-schemas';
import { reportRoutes } from './report-routes';
import { rebuildRoute } from './rebuild-schemas';
import { errorResponses, jsonOk, unauthorizedResponse, type ErrorStatus } from './responses';

export const BEARER_SCHEME = 'bearerAuth';

/** Routes behind a token answer 401 too; the public ones (health) say they need none. */
function withSecurity(route: RouteConfig): RouteConfig {
  if (!route.path.startsWith('/api/')) return { ...route, security: [] };
  return { ...route, responses: { ...route.responses, ...unauthorizedResponse() } };
}

export { ERROR_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, type ErrorStatus } from './responses';

const COMMAND_ERRORS: readonly ErrorStatus[] = [400, 404, 409, 413, 415, 422, 500];
const replayedHeader = {
  'Idempotent-Replayed': {
    description: 'Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/)
    .optional()
    .meta({
      description:
        'Optional. A retry with the same key and body returns the first answer with no second effect; the same key with another body is a 422.',
    }),
});

function jsonBody(schema: z.ZodType, description: string, example: Record<string, unknown>) {
  return { required: true, description, content: { 'application/json': { schema, example } } };
}

const amountNote =
  `Amounts are JSON numbers with at most 2 decimals, > 0 and ≤ ${formatAmount(MAX_AMOUNT_CENTS)} (initialBalance may be 0). ` +
  'The number is judged as written: more than 2 decimals (10.000, 10.0000000000000001) or an exponent (1e2) is a 400 ' +
  'naming the field, even where the value would round to cents. Numeric strings are refused. ' +
  'Names and descriptions are stored NFC-normalised; control characters and bidirectional controls ' +
  '(U+202A–U+202E, U+2066–U+2069) are refused. Bodies are UTF-8: invalid UTF-8 is a 400, another declared charset a 415.';

const accountLinks = {
  GetAccount: { operationId: 'getAccount', parameters: { id: '$response.body#/accountId' } },
  GetHistory: { operationId: 'getHistory', parameters: { id: '$response.body#/accountId' } },
  Deposit: { operationId: 'deposit', parameters: { id: '$response.body#/accountId' } },
  Withdraw: { operationId: 'withdraw', parameters: { id: '$response.body#/accountId' } },
  Transfer: { operationId: 'transfer', parameters: { id: '$response.body#/accountId' } },
  ListTransactions: { operationId: 'listTransactions', parameters: { accountId: '$response.body#/accountId' } },
};

const accountRoutes: RouteConfig[] = [
  {
    method: 'post',
    path: '/api/accounts',
    operationId: 'openAccount',
    tags: ['Accounts'],
    summary: 'Open an account',
    description: `Opens an account with a unique account number: unique regardless of case, stored in upper case ("eu-1" opens EU-1, and is a 409 when EU-1 exists). ${amountNote}`,
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(openAccountBodySchema, 'The new account', {
        accountNumber: 'ACC-001',
        accountName: 'Household savings',
        ownerName: 'Jane Doe',
        initialBalance: 1000.0,
      }),
    },
    responses: {
      201: {
        ...jsonOk('Account opened', openAccountResponseSchema, {
          Location: { description: 'URL of the new account', schema: { type: 'string' } },
          ...replayedHeader,
        }),
        links: accountLinks,
      },
      ...errorResponses(COMMAND_ERRORS.filter((status) => status !== 404)),
    },
  },
  {
    method: 'get',
    path: '/api/accounts/{id}',
    operationId: 'getAccount',
    tags: ['Accounts'],
    summary: 'Get an account (optionally as it was at an instant or a version)',
    request: { params: accountPathSchema, query: getAccountQuerySchema },
    responses: {
      200: jsonOk('The account', accountSchema),
      ...errorResponses([400, 404, 500]),
    },
  },
  {
    method: 'get',
    path: '/api/accounts/{id}/history',
    operationId: 'getHistory',
    tags: ['Accounts'],
    summary: "The account's events, ascending by version",
    request: { params: accountPathSchema, query: historyQuerySchema },
    responses: {
      200: jsonOk('Events of the account', historySchema),
      ...errorResponses([400, 404, 500]),
    },
  },
  {
    method: 'post',
    path: '/api/accounts/{id}/deposit',
    operationId: 'deposit',
    tags: ['Accounts'],
    summary: 'Deposit money',
    description: amountNote,
    request: {
      params: accountPathSchema,
      headers: idempotencyHeaders,
      body: jsonBody(depositBodySchema, 'The deposit', { amount: 250.5, description: 'Salary' }),
    },
    responses: {
      200: jsonOk('New balance and version', balanceUpdateResponseSchema, replayedHeader),
      ...errorResponses(COMMAND_ERRORS),
    },
  },
  {
    method: 'post',
    path: '/api/accounts/{id}/withdraw',
    operationId: 'withdraw',
    tags: ['Accounts'],
    summary: 'Withdraw money (never below zero)',
    description: amountNote,
    request: {
      params: accountPathSchema,
      headers: idempotencyHeaders,
      body: jsonBody(withdrawBodySchema, 'The withdrawal', { amount: 100, description: 'Cash' }),
    },
    responses: {
      200: jsonOk('New balance and version', balanceUpdateResponseSchema, replayedHeader),
      ...errorResponses(COMMAND_ERRORS),
    },
  },
  {
    method: 'post',
    path: '/api/accounts/{id}/transfer',
    operationId: 'transfer',
    tags: ['Accounts'],
    summary: 'Transfer money to another account (both legs in one transaction)',
    description: amountNote,
    request: {
      params: accountPathSchema,
      headers: idempotencyHeaders,
      body: jsonBody(transferBodySchema, 'The transfer', {
        toAccountId: '0b9f6f0e-7c39-4a57-9a53-0f3d6d2f4c11',
        amount: 150.25,
        description: 'Rent',
      }),
    },
    responses: {
      200: jsonOk('Both new balances', transferResponseSchema, replayedHeader),
      ...errorResponses(COMMAND_ERRORS),
    },
  },
];

const healthRoute: RouteConfig = {
  method: 'get',
  path: '/health',
  operationId: 'health',
  tags: ['Operations'],
  summary: 'Health of PostgreSQL and Kafka',
  responses: {
    200: jsonOk('Healthy', healthSchema),
    503: jsonOk('Unhealthy: `failing` names the checks that failed', healthSchema),
    ...errorResponses([500]),
  },
};

export function apiRoutes(): RouteConfig[] {
  return [...accountRoutes, ...reportRoutes(), rebuildRoute, healthRoute];
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

let cached: OpenApiDocument | undefined;

export function buildOpenApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An access token: on AWS from the Cognito user pool (hosted UI), locally from `POST /local/token` ' +
      '(`{"username": "alice", "groups": ["tellers"]}`). Without groups a customer (own accounts only); `tellers` ' +
      'see and move every account; `admins` also read the pipeline status.',
  });
  for (const route of apiRoutes()) registry.registerPath(withSecurity(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Ledgerline API',
      version: '1.0.0',
      description:
        'Event-sourced accounts: commands append events to PostgreSQL; reports are read models projected from Kafka. ' +
        'Errors are RFC 9457 application/problem+json.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    security: [{ [BEARER_SCHEME]: [] }],
    tags: [
      { name: 'Accounts', description: 'Commands and queries on the event store' },
      { name: 'Reports', description: 'Read models (eventually consistent)' },
      { name: 'Operations', description: 'Health and pipeline status' },
    ],
  });
}

/** The document for this container (it never changes while the code does not). */
export function getOpenApiDocument(): OpenApiDocument {
  cached ??= buildOpenApiDocument();
  return cached;
}
