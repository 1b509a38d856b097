import { randomBytes, randomUUID } from 'node:crypto';
import { base64url, decodeJwt, UnsecuredJWT } from 'jose';
import { signAccessToken } from '../../local/auth/issuer';
import { getConfig } from '../../lib/platform/config/env';
import { getKafka } from '../../lib/platform/kafka/client';
import { consumeUntil } from '../../lib/platform/kafka/testing';
import { waitUntil } from '../../lib/platform/wait-until';
import { newSigningKey } from '../support/auth';
import { useStack, type Stack } from '../support/stack';
import { httpClient, localToken, type HttpClient, type StackUser } from './http-client';

// Issue 13 over real HTTP: the stack's own issuer (POST /local/token, its JWKS) and every rule, as a client sees it.
let api: Stack;
let anonymous: HttpClient;
const run = randomBytes(4).toString('hex');
const alice: StackUser = { username: `alice-${run}` };
const bob: StackUser = { username: `bob-${run}` };
const teller: StackUser = { username: `teller-${run}`, groups: ['tellers'] };
const admin: StackUser = { username: `admin-${run}`, groups: ['admins'] };
const as = (user: StackUser) => httpClient(api.baseUrl, user);

beforeAll(async () => {
  api = await useStack('auth');
  anonymous = httpClient(api.baseUrl);
}, 320_000);

afterAll(async () => {
  await api?.stop();
});

async function openAccount(client: HttpClient, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await client.post('/api/accounts', {
    accountNumber: `AU-${randomBytes(5).toString('hex')}`,
    accountName: 'Auth',
    ownerName: 'Someone',
    initialBalance: 100,
    ...extra,
  });
  expect(answer.status).toBe(201);
  return answer.body.accountId as string;
}

function expectUnauthorized(answer: { status: number; headers: Record<string, string>; body: { type?: string } }) {
  expect(answer.status).toBe(401);
  expect(answer.headers['www-authenticate']).toMatch(/^Bearer realm="ledgerline"/);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body.type).toBe('/problems/unauthorized');
}

describe('the local issuer', () => {
  it('given a username and groups then a Bearer token whose sub is the same for the same username', async () => {
    const answer = await anonymous.post('/local/token', {
      username: alice.username,
      groups: ['tellers'],
      expiresIn: 600,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 });
    const claims = decodeJwt(answer.body.access_token as string);
    expect(claims).toMatchObject({ username: alice.username, 'cognito:groups': ['tellers'], iss: api.baseUrl });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    const again = decodeJwt(await localToken(api.baseUrl, alice));
    expect(again.sub).toBe(claims.sub);
    expect(decodeJwt(await localToken(api.baseUrl, bob)).sub).not.toBe(claims.sub);
  });

  it.each([
    [{}],
    [{ username: 'Alice' }],
    [{ username: 'x'.repeat(65) }],
    [{ username: 'ok', groups: ['root'] }],
    [{ username: 'ok', groups: 'admins' }],
    [{ username: 'ok', expiresIn: 0 }],
    [{ username: 'ok', expiresIn: 86_401 }],
    [{ username: 'ok', expiresIn: 1.5 }],
  ])('given %p then 400 problem+json', async (body) => {
    const answer = await anonymous.post('/local/token', body);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves its JWKS and OpenID configuration', async () => {
    const config = await anonymous.get('/.well-known/openid-configuration');
    expect(config.body).toMatchObject({ issuer: api.baseUrl, jwks_uri: `${api.baseUrl}/.well-known/jwks.json` });
    const jwks = await anonymous.get('/.well-known/jwks.json');
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) })]);
    expect(jwks.body.keys[0].d).toBeUndefined();
  });
});

describe('tokens refused with 401', () => {
  // Every row has its three values: jest hands a test function with more parameters than values a `done` callback.
  const routes: Array<[string, string, unknown]> = [
    ['GET', `/api/accounts/${randomUUID()}`, undefined],
    ['GET', `/api/accounts/${randomUUID()}/history`, undefined],
    ['POST', '/api/accounts', {}],
    ['POST', `/api/accounts/${randomUUID()}/deposit`, { amount: 1 }],
    ['POST', `/api/accounts/${randomUUID()}/withdraw`, { amount: 1 }],
    ['POST', `/api/accounts/${randomUUID()}/transfer`, { amount: 1 }],
    ['GET', '/api/reports/balances', undefined],
    ['GET', `/api/reports/transactions/${randomUUID()}`, undefined],
    ['GET', '/api/reports/status', undefined],
  ];

  it.each(routes)('given no token, %s %s answers 401', async (method, path, body) => {
    expectUnauthorized(await anonymous.request(method, path, { body }));
  });

  it('given forged, unsigned, edited or expired tokens then 401, and public routes stay public', async () => {
    const genuine = await localToken(api.baseUrl, alice);
    const [header, payload, signature] = genuine.split('.');
    const claims = decodeJwt(genuine);
    const promoted = base64url.encode(JSON.stringify({ ...claims, 'cognito:groups': ['admins'] }));
    const refused = [
      await signAccessToken(await newSigningKey(), api.baseUrl, alice),
      new UnsecuredJWT({ ...claims }).encode(),
      `${header}.${promoted}.${signature}`,
      `${header}.${payload}.${signature!.slice(0, -4)}AAAA`,
      'not-a-token',
    ];
    for (const token of refused) {
      const answer = await anonymous.get('/api/reports/balances', { headers: { authorization: `Bearer ${token}` } });
      expectUnauthorized(answer);
      expect(answer.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
    const shortLived = await localToken(api.baseUrl, alice, 1);
    await waitUntil(
      'the one-second token to be refused',
      async () =>
        (await anonymous.get('/api/reports/balances', { headers: { authorization: `Bearer ${shortLived}` } }))
          .status === 401,
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect((await anonymous.get('/health')).status).not.toBe(401);
    expect((await anonymous.get('/openapi.json')).status).toBe(200);
    expect((await anonymous.get('/swagger')).status).toBe(200);
  });
});

describe('rules by role', () => {
  it("given alice's account then alice, tellers and admins use it, bob gets 404 as for an unknown id", async () => {
    const id = await openAccount(as(alice));
    const unknown = randomUUID();
    for (const user of [alice, teller, admin]) {
      expect((await as(user).get(`/api/accounts/${id}`)).status).toBe(200);
      expect((await as(user).get(`/api/accounts/${id}/history`)).status).toBe(200);
      expect((await as(user).post(`/api/accounts/${id}/deposit`, { amount: 1 })).status).toBe(200);
    }
    const bobs = as(bob);
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['GET', '/history', undefined],
      ['POST', '/deposit', { amount: 1 }],
      ['POST', '/withdraw', { amount: 1 }],
    ] as const) {
      const refused = await bobs.request(method, `/api/accounts/${id}${suffix}`, { body });
      const missing = await bobs.request(method, `/api/accounts/${unknown}${suffix}`, { body });
      expect(refused.status).toBe(404);
      expect({ type: refused.body.type, title: refused.body.title }).toEqual({
        type: missing.body.type,
        title: missing.body.title,
      });
    }
    const bobsAccount = await openAccount(bobs);
    expect((await bobs.post(`/api/accounts/${id}/transfer`, { toAccountId: bobsAccount, amount: 5 })).status).toBe(404);
    expect((await as(alice).get(`/api/accounts/${id}`)).body).toMatchObject({ balance: 103, version: 4 });
    // Payments go to anyone's account.
    const paid = await as(alice).post(`/api/accounts/${id}/transfer`, { toAccountId: bobsAccount, amount: 3 });
    expect(paid.status).toBe(200);
    const history = await as(alice).get(`/api/accounts/${id}/history`);
    const sub = decodeJwt(await localToken(api.baseUrl, alice)).sub;
    expect(history.body[0].actor).toEqual({ sub, username: alice.username });
    expect(history.body[1].actor).toMatchObject({ username: alice.username });
    expect(history.body[2].actor).toMatchObject({ username: teller.username });
  });

  it('given staff then an account can be opened for a customer; a customer cannot name another owner', async () => {
    const bobSub = decodeJwt(await localToken(api.baseUrl, bob)).sub!;
    const id = await openAccount(as(teller), { ownerId: bobSub });
    expect((await as(bob).get(`/api/accounts/${id}`)).status).toBe(200);
    expect((await as(alice).get(`/api/accounts/${id}`)).status).toBe(404);
    const refused = await as(alice).post('/api/accounts', {
      accountNumber: `AU-${randomBytes(5).toString('hex')}`,
      accountName: 'X',
      ownerName: 'Y',
      initialBalance: 1,
      ownerId: bobSub,
    });
    expect(refused.status).toBe(403);
  });

  it('given the status report then admins only: 403 for customers and tellers', async () => {
    expect((await as(alice).get('/api/reports/status')).status).toBe(403);
    expect((await as(teller).get('/api/reports/status')).status).toBe(403);
    expect((await as(admin).get('/api/reports/status')).status).toBe(200);
  });

  it('given one Idempotency-Key from two users then two effects, no replay across users', async () => {
    const key = `idem-${run}`;
    const mine = await openAccount(as(alice));
    const first = await as(alice).post(
      `/api/accounts/${mine}/deposit`,
      { amount: 10 },
      { headers: { 'Idempotency-Key': key } },
    );
    const byTeller = await as(teller).post(
      `/api/accounts/${mine}/deposit`,
      { amount: 10 },
      { headers: { 'Idempotency-Key': key } },
    );
    expect(first.status).toBe(200);
    expect(byTeller.status).toBe(200);
    expect(byTeller.headers['idempotent-replayed']).toBeUndefined();
    expect((await as(alice).get(`/api/accounts/${mine}`)).body.balance).toBe(120);
  });

  it('given commands by a customer and a teller then their integration events on Kafka carry each actor', async () => {
    const id = await openAccount(as(alice));
    expect((await as(teller).post(`/api/accounts/${id}/deposit`, { amount: 2 })).status).toBe(200);
    const messages = await consumeUntil(
      getKafka(),
      getConfig().KAFKA_TOPIC,
      (seen) => seen.filter((message) => message.key === id).length >= 2,
    );
    const events = messages
      .filter((message) => message.key === id)
      .map(
        (message) => JSON.parse(message.value ?? '{}') as { streamVersion: number; actor?: unknown; ownerId?: unknown },
      );
    events.sort((a, b) => a.streamVersion - b.streamVersion);
    const aliceSub = decodeJwt(await localToken(api.baseUrl, alice)).sub;
    expect(events[0]).toMatchObject({ actor: { sub: aliceSub, username: alice.username }, ownerId: aliceSub });
    expect(events[1]).toMatchObject({ actor: { username: teller.username } });
  });
});
