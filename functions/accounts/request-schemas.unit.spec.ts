/**
 * One source of truth: the schemas lib/presentation/api/account-schemas.ts hands to the OpenAPI document and the forms are the ones the
 * handlers validate with. For each route, invalid requests get from the real handler (which answers 400 before
 * touching any service) exactly the field errors these schemas produce.
 */
import type { z } from 'zod';
import { handler as deposit } from './deposit';
import { handler as getAccount } from './get-account';
import { handler as getHistory } from './get-history';
import { handler as openAccount } from './open-account';
import { handler as transfer } from './transfer';
import { handler as withdraw } from './withdraw';
import { apiEvent, invoke } from '../../lib/presentation/http/testing';
import { fieldErrors } from '../../lib/presentation/http/validation';
import {
  depositBodySchema,
  getAccountQuerySchema,
  historyQuerySchema,
  openAccountBodySchema,
  transferBodySchema,
  withdrawBodySchema,
} from '../../lib/presentation/api/account-schemas';
import { authHeaders, teller, useTestIssuer } from '../../test/support/auth';

useTestIssuer();

const ID = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';

const invalidBodies: unknown[] = [
  {},
  { amount: '10' },
  { amount: 1.005 },
  { amount: -1 },
  { amount: 0 },
  { amount: 1e12 },
  { amount: 10, description: 'x'.repeat(201) },
  { amount: 10, description: 42 },
  { toAccountId: 'nope', amount: 10 },
  { accountNumber: 'bad number!', accountName: ' ', ownerName: 'x'.repeat(101), initialBalance: -5 },
  { accountNumber: 'A-1', accountName: 'n', ownerName: 'o' },
  [],
  null,
];

const invalidQueries: Array<Record<string, string>> = [
  { version: '0' },
  { version: '1e3' },
  { asOf: 'yesterday' },
  { asOf: '2026-01-01T00:00:00Z', version: '2' },
  { limit: '0' },
  { limit: '1001' },
  { fromVersion: '-1' },
];

type Handler = Parameters<typeof invoke>[0];

async function expectSameBodyErrors(
  handler: Handler,
  path: string,
  schema: z.ZodType,
  pathParameters?: Record<string, string>,
) {
  for (const body of invalidBodies) {
    const mirror = schema.safeParse(body);
    if (mirror.success) continue;
    const response = await invoke(
      handler,
      apiEvent({
        method: 'POST',
        path,
        body,
        headers: await authHeaders(teller),
        ...(pathParameters ? { pathParameters } : {}),
      }),
    );
    expect({ body, status: response.status, errors: response.body.errors }).toEqual({
      body,
      status: 400,
      errors: fieldErrors(mirror.error, 'body'),
    });
  }
}

async function expectSameQueryErrors(handler: Handler, path: string, schema: z.ZodType) {
  for (const query of invalidQueries) {
    const mirror = schema.safeParse(query);
    if (mirror.success) continue;
    const response = await invoke(
      handler,
      apiEvent({ method: 'GET', path, query, pathParameters: { id: ID }, headers: await authHeaders(teller) }),
    );
    expect({ query, status: response.status, errors: response.body.errors }).toEqual({
      query,
      status: 400,
      errors: fieldErrors(mirror.error, 'query'),
    });
  }
}

describe("request schemas are the handlers' own", () => {
  it('given invalid bodies when opening an account then the handler and the documented schema agree', async () => {
    await expectSameBodyErrors(openAccount, '/api/accounts', openAccountBodySchema);
  });

  it('given invalid bodies when depositing, withdrawing and transferring then the handlers and the documented schemas agree', async () => {
    await expectSameBodyErrors(deposit, `/api/accounts/${ID}/deposit`, depositBodySchema, { id: ID });
    await expectSameBodyErrors(withdraw, `/api/accounts/${ID}/withdraw`, withdrawBodySchema, { id: ID });
    await expectSameBodyErrors(transfer, `/api/accounts/${ID}/transfer`, transferBodySchema, { id: ID });
  });

  it('given invalid queries when reading an account or its history then the handlers and the documented schemas agree', async () => {
    await expectSameQueryErrors(getAccount, `/api/accounts/${ID}`, getAccountQuerySchema);
    await expectSameQueryErrors(getHistory, `/api/accounts/${ID}/history`, historyQuerySchema);
  });
});
