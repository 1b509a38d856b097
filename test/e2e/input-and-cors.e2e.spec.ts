import { randomBytes } from 'node:crypto';
import { useStack, type Stack } from '../support/stack';
import { localToken } from './http-client';

// Issue 18 over real HTTP: serverless-offline in front of the bundled handlers, as a browser or client sees it. The
// stack runs with its default configuration: no CORS_ALLOWED_ORIGINS, so no origin is granted.
let api: Stack;
let authorization: string;

beforeAll(async () => {
  api = await useStack('input-and-cors');
  authorization = `Bearer ${await localToken(api.baseUrl, { username: 'e2e-input' })}`;
}, 320_000);

afterAll(async () => {
  await api?.stop();
});

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

async function openAccount(): Promise<string> {
  const response = await fetch(`${api.baseUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({
      accountNumber: `e2e-${randomBytes(5).toString('hex')}`,
      accountName: 'E2E',
      ownerName: 'Grace',
      initialBalance: 100,
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accountId: string }).accountId;
}

async function balanceAndVersion(id: string): Promise<unknown> {
  const body = (await (await fetch(`${api.baseUrl}/api/accounts/${id}`, { headers: { authorization } })).json()) as {
    balance: number;
    version: number;
  };
  return { balance: body.balance, version: body.version };
}

describe('CORS by default', () => {
  it.each([
    ['GET', '/openapi.json'],
    ['GET', '/api/reports/balances'],
    ['GET', '/api/no-such-route'],
  ])(
    'given %s %s from another origin then no Access-Control-* header, credentials least of all',
    async (method, path) => {
      const response = await fetch(`${api.baseUrl}${path}`, {
        method,
        headers: { origin: 'https://evil.example', authorization },
      });
      await response.arrayBuffer();
      expect(corsHeaders(response)).toEqual([]);
    },
  );

  it('given a preflight from another origin then it grants nothing', async () => {
    const response = await fetch(`${api.baseUrl}/api/accounts`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    await response.arrayBuffer();
    expect(corsHeaders(response)).toEqual([]);
  });
});

describe('JSON bodies over HTTP', () => {
  it('given an amount written with 16 decimals then 400 naming it, and nothing booked', async () => {
    const id = await openAccount();
    const response = await fetch(`${api.baseUrl}/api/accounts/${id}/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: '{"amount": 10.0000000000000001}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { field: 'amount', message: 'Amount must have at most 2 decimal places' },
    ]);
    await expect(balanceAndVersion(id)).resolves.toEqual({ balance: 100, version: 1 });
  });

  it('given bytes that are not UTF-8 then 400 invalid-utf8 (serverless-offline decodes them to U+FFFD), nothing booked', async () => {
    const id = await openAccount();
    const response = await fetch(`${api.baseUrl}/api/accounts/${id}/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: Buffer.from('{"amount": 1, "description": "caf\u00e9"}', 'latin1'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { type: string }).type).toBe('/problems/invalid-utf8');
    await expect(balanceAndVersion(id)).resolves.toEqual({ balance: 100, version: 1 });
  });

  it('given a declared ISO-8859-1 charset then 415, nothing booked', async () => {
    const id = await openAccount();
    const response = await fetch(`${api.baseUrl}/api/accounts/${id}/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=iso-8859-1', authorization },
      body: '{"amount": 1}',
    });
    expect(response.status).toBe(415);
    await response.arrayBuffer();
    await expect(balanceAndVersion(id)).resolves.toEqual({ balance: 100, version: 1 });
  });
});
