import { randomBytes, randomUUID } from 'node:crypto';
import { closePool } from '../../lib/platform/db/pool';
import { apiEvent, invoke, type ParsedResponse } from '../../lib/presentation/http/testing';
import { handOffTo, startFakeLambda, type FakeLambda, type RecordedInvoke } from '../../test/support/fake-lambda';
import { handler as deposit } from './deposit';
import { handler as getAccount } from './get-account';
import { handler as getHistory } from './get-history';
import { handler as openAccount } from './open-account';
import { handler as transfer } from './transfer';
import { handler as withdraw } from './withdraw';

/** Test support for the account handler specs: each call builds the API Gateway event its route would get. */
export function uniqueAccountNumber(): string {
  return `T-${randomBytes(6).toString('hex').toUpperCase()}`;
}

export function openAccountBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountNumber: uniqueAccountNumber(),
    accountName: 'Savings',
    ownerName: 'Ada Lovelace',
    initialBalance: 100,
    ...overrides,
  };
}

type PostInit = { body?: unknown; headers?: Record<string, string>; isBase64Encoded?: boolean };

export function postOpenAccount(init: PostInit = {}): Promise<ParsedResponse> {
  return invoke(
    openAccount,
    apiEvent({ method: 'POST', path: '/api/accounts', routeKey: 'POST /api/accounts', ...init }),
  );
}

/** Opens an account through the handler and returns its id. */
export async function givenAccount(initialBalance = 100, overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await postOpenAccount({ body: openAccountBody({ initialBalance, ...overrides }) });
  if (response.status !== 201) throw new Error(`open account failed: ${response.status} ${response.text}`);
  return response.body.accountId as string;
}

const commands = { deposit, withdraw, transfer } as const;

export function postCommand(
  command: keyof typeof commands,
  accountId: string,
  init: PostInit = {},
): Promise<ParsedResponse> {
  const path = `/api/accounts/${accountId}/${command}`;
  return invoke(
    commands[command],
    apiEvent({
      method: 'POST',
      path,
      routeKey: `POST /api/accounts/{id}/${command}`,
      pathParameters: { id: accountId },
      ...init,
    }),
  );
}

export function getAccountResponse(accountId: string, query?: Record<string, string>): Promise<ParsedResponse> {
  return invoke(
    getAccount,
    apiEvent({
      path: `/api/accounts/${accountId}`,
      routeKey: 'GET /api/accounts/{id}',
      pathParameters: { id: accountId },
      query,
    }),
  );
}

export function getHistoryResponse(accountId: string, query?: Record<string, string>): Promise<ParsedResponse> {
  return invoke(
    getHistory,
    apiEvent({
      path: `/api/accounts/${accountId}/history`,
      routeKey: 'GET /api/accounts/{id}/history',
      pathParameters: { id: accountId },
      query,
    }),
  );
}

export const unknownAccountId = (): string => randomUUID();

/** Asserts the RFC 9457 shape every error answer has. */
export function expectProblem(response: ParsedResponse, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.headers['x-correlation-id']).toEqual(expect.any(String));
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/^\/problems\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: expect.stringMatching(/^\//),
    correlationId: response.headers['x-correlation-id'],
  });
}

export function fieldsOf(response: ParsedResponse): string[] {
  return ((response.body?.errors ?? []) as Array<{ field: string }>).map((error) => error.field).sort();
}

/**
 * The command handlers hand off to the relay function after each commit: these specs point the hand-off at a stand-in
 * Lambda API that records the invokes (`handOffs()`), and close the pool at the end.
 */
export function handlerResources(): { handOffs: () => RecordedInvoke[]; lambda: () => FakeLambda | undefined } {
  let fake: FakeLambda | undefined;
  beforeAll(async () => {
    fake = await startFakeLambda();
    handOffTo(fake);
  });
  afterAll(async () => {
    handOffTo(undefined);
    await fake?.close();
    await closePool();
  });
  return { handOffs: () => fake?.invocations ?? [], lambda: () => fake };
}
