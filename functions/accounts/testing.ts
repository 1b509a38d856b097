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
import { authHeaders, customer, useTestIssuer, type TestUser } from '../../test/support/auth';

/** Who the helpers below act as unless told: one customer, who then owns every account the spec opens. */
export const DEFAULT_USER: TestUser = customer('handler-spec');

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

/** `as`: the user whose token is sent (DEFAULT_USER by default); `as: null` sends none. */
type PostInit = { body?: unknown; headers?: Record<string, string>; isBase64Encoded?: boolean; as?: TestUser | null };

async function withToken(user: TestUser | null | undefined, headers: Record<string, string> = {}) {
  return user === null ? headers : { ...(await authHeaders(user ?? DEFAULT_USER)), ...headers };
}

export async function postOpenAccount({ as, ...init }: PostInit = {}): Promise<ParsedResponse> {
  return invoke(
    openAccount,
    apiEvent({
      method: 'POST',
      path: '/api/accounts',
      routeKey: 'POST /api/accounts',
      ...init,
      headers: await withToken(as, init.headers),
    }),
  );
}

/** Opens an account through the handler and returns its id. */
export async function givenAccount(
  initialBalance = 100,
  overrides: Record<string, unknown> = {},
  as?: TestUser,
): Promise<string> {
  const response = await postOpenAccount({ body: openAccountBody({ initialBalance, ...overrides }), as });
  if (response.status !== 201) throw new Error(`open account failed: ${response.status} ${response.text}`);
  return response.body.accountId as string;
}

const commands = { deposit, withdraw, transfer } as const;

export async function postCommand(
  command: keyof typeof commands,
  accountId: string,
  { as, ...init }: PostInit = {},
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
      headers: await withToken(as, init.headers),
    }),
  );
}

export async function getAccountResponse(
  accountId: string,
  query?: Record<string, string>,
  as?: TestUser | null,
): Promise<ParsedResponse> {
  return invoke(
    getAccount,
    apiEvent({
      path: `/api/accounts/${accountId}`,
      routeKey: 'GET /api/accounts/{id}',
      pathParameters: { id: accountId },
      query,
      headers: await withToken(as),
    }),
  );
}

export async function getHistoryResponse(
  accountId: string,
  query?: Record<string, string>,
  as?: TestUser | null,
): Promise<ParsedResponse> {
  return invoke(
    getHistory,
    apiEvent({
      path: `/api/accounts/${accountId}/history`,
      routeKey: 'GET /api/accounts/{id}/history',
      pathParameters: { id: accountId },
      query,
      headers: await withToken(as),
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
 * beforeAll/afterAll for a handler spec file: a token issuer of its own (test/support/auth.ts), a stand-in Lambda API
 * for the hand-offs, and the pool closed at the end.
 */
export function handlerResources(): { handOffs: () => RecordedInvoke[]; lambda: () => FakeLambda | undefined } {
  useTestIssuer();
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
