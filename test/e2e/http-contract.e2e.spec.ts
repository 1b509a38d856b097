import { randomBytes, randomUUID } from 'node:crypto';
import { httpClient, type HttpAnswer, type HttpClient } from './http-client';
import { useStack, type Stack } from '../support/stack';

// The HTTP contract of issue 3 over real HTTP: serverless-offline in front of the bundled handlers, as a client sees it.
let api: Stack;
let http: HttpClient;

beforeAll(async () => {
  api = await useStack('http-contract');
  http = httpClient(api.baseUrl, { username: 'e2e-contract' });
}, 320_000);

afterAll(async () => {
  await api?.stop();
});

const accountNumber = () => `E2E-${randomBytes(5).toString('hex')}`;

async function openAccount(initialBalance = 100): Promise<string> {
  const answer = await http.post('/api/accounts', {
    accountNumber: accountNumber(),
    accountName: 'E2E',
    ownerName: 'Grace Hopper',
    initialBalance,
  });
  expect(answer.status).toBe(201);
  return answer.body.accountId as string;
}

function expectProblem(answer: HttpAnswer, status: number, type?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(answer.body.correlationId).toBe(answer.headers['x-correlation-id']);
  if (type) expect(answer.body.type).toBe(type);
}

describe('HTTP contract through serverless-offline', () => {
  it('given both services up when GET /health then 200 Healthy', async () => {
    const answer = await http.get('/health');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'Healthy',
      checks: { postgres: { status: 'Healthy' }, kafka: { status: 'Healthy' } },
    });
  });

  it('given a new account when opened, moved and read then the seed routes answer with 2-decimal amounts', async () => {
    const created = await http.post(
      '/api/accounts',
      { accountNumber: accountNumber(), accountName: 'E2E', ownerName: 'Grace', initialBalance: 1000 },
      { headers: { 'X-Correlation-Id': 'e2e-corr-1' } },
    );
    expect(created.status).toBe(201);
    expect(created.headers['x-correlation-id']).toBe('e2e-corr-1');
    const id = created.body.accountId as string;
    expect(created.headers.location).toBe(`/api/accounts/${id}`);

    expect((await http.post(`/api/accounts/${id}/deposit`, { amount: 0.5 })).text).toBe(
      '{"balance":1000.50,"version":2}',
    );
    expect((await http.post(`/api/accounts/${id}/withdraw`, { amount: 100 })).text).toBe(
      '{"balance":900.50,"version":3}',
    );
    const other = await openAccount(0);
    const transfer = await http.post(`/api/accounts/${id}/transfer`, { toAccountId: other, amount: 0.5 });
    expect(transfer.status).toBe(200);
    expect(transfer.text).toMatch(/"fromAccountNewBalance":900\.00,"toAccountNewBalance":0\.50}$/);

    const account = await http.get(`/api/accounts/${id}`);
    expect(account.text).toContain('"balance":900.00');
    expect((await http.get(`/api/accounts/${id}`, { query: { version: '1' } })).body.balance).toBe(1000);
    const history = await http.get(`/api/accounts/${id}/history`, { query: { limit: '2' } });
    expect(history.body.map((entry: { type: string }) => entry.type)).toEqual(['AccountCreated', 'MoneyDeposited']);
  });

  it('given invalid input when posting then 400 per field, 400 malformed JSON, 415, 413', async () => {
    const id = await openAccount();
    const invalid = await http.post(`/api/accounts/${id}/deposit`, { amount: '10', description: 5 });
    expectProblem(invalid, 400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'amount',
      'description',
    ]);
    expectProblem(await http.post(`/api/accounts/${id}/deposit`, { amount: 1.001 }), 400);
    expectProblem(
      await http.post(`/api/accounts/${id}/deposit`, '{"amount":', { headers: { 'content-type': 'application/json' } }),
      400,
      '/problems/malformed-json',
    );
    expectProblem(
      await http.post(`/api/accounts/${id}/deposit`, '{"amount":1}', { headers: { 'content-type': 'text/plain' } }),
      415,
    );
    expectProblem(await http.post(`/api/accounts/${id}/deposit`, { amount: 1, description: 'x'.repeat(70_000) }), 413);
    expect((await http.get(`/api/accounts/${id}`)).body.version).toBe(1);
  });

  it('given unknown things when asked then 404: account, impossible id, route', async () => {
    expectProblem(await http.get(`/api/accounts/${randomUUID()}`), 404, '/problems/account-not-found');
    expectProblem(await http.get('/api/accounts/not-an-id/history'), 404);
    expectProblem(await http.post(`/api/accounts/${randomUUID()}/deposit`, { amount: 1 }), 404);
    expectProblem(await http.get('/api/no-such-route'), 404, '/problems/route-not-found');
  });

  it('given business rules and duplicates when violated then 409 / 422', async () => {
    const number = accountNumber();
    const body = { accountNumber: number, accountName: 'A', ownerName: 'O', initialBalance: 1 };
    expect((await http.post('/api/accounts', body)).status).toBe(201);
    expectProblem(await http.post('/api/accounts', body), 409, '/problems/account-already-exists');
    const id = await openAccount(1);
    expectProblem(await http.post(`/api/accounts/${id}/withdraw`, { amount: 2 }), 422, '/problems/insufficient-funds');
    expectProblem(
      await http.post(`/api/accounts/${id}/transfer`, { toAccountId: id, amount: 1 }),
      422,
      '/problems/self-transfer',
    );
  });

  it('given an Idempotency-Key when a POST is retried then the same answer once; another body is 422', async () => {
    const id = await openAccount(100);
    const headers = { 'Idempotency-Key': `e2e-${id}` };
    const first = await http.post(`/api/accounts/${id}/withdraw`, { amount: 30 }, { headers });
    const retry = await http.post(`/api/accounts/${id}/withdraw`, { amount: 30 }, { headers });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expectProblem(
      await http.post(`/api/accounts/${id}/withdraw`, { amount: 31 }, { headers }),
      422,
      '/problems/idempotency-key-reused',
    );
    expect((await http.get(`/api/accounts/${id}`)).body).toMatchObject({ balance: 70, version: 2 });
  });
});
