import { MAX_BODY_BYTES } from '../../lib/presentation/http/body';
import {
  expectProblem,
  fieldsOf,
  getAccountResponse,
  openAccountBody,
  postOpenAccount,
  handlerResources,
} from './testing';

handlerResources();

describe('POST /api/accounts', () => {
  it('given a valid body when opening then 201 with accountId and Location, and the account reads back', async () => {
    const body = openAccountBody({ initialBalance: 1000 });
    const response = await postOpenAccount({ body });

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ accountId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(response.headers.location).toBe(`/api/accounts/${response.body.accountId}`);
    expect(response.headers['idempotent-replayed']).toBeUndefined();

    const account = await getAccountResponse(response.body.accountId);
    expect(account.status).toBe(200);
    expect(account.text).toContain('"balance":1000.00');
    expect(account.body).toEqual({
      id: response.body.accountId,
      accountNumber: body.accountNumber,
      accountName: 'Savings',
      ownerName: 'Ada Lovelace',
      balance: 1000,
      version: 1,
      isActive: true,
    });
  });

  it('given an account number already taken when opening then 409 problem', async () => {
    const body = openAccountBody();
    expect((await postOpenAccount({ body })).status).toBe(201);
    const duplicate = await postOpenAccount({ body: { ...body, accountName: 'Other' } });
    expectProblem(duplicate, 409);
    expect(duplicate.body.type).toBe('/problems/account-already-exists');
  });

  it('given EU-… taken when opening eu-… then 409 problem, and the first account keeps its number', async () => {
    const body = openAccountBody();
    const number = body.accountNumber as string;
    const first = await postOpenAccount({ body });
    expect(first.status).toBe(201);
    const duplicate = await postOpenAccount({
      body: { ...body, accountNumber: number.toLowerCase(), accountName: 'Other' },
    });
    expectProblem(duplicate, 409);
    expect(duplicate.body.type).toBe('/problems/account-already-exists');
    expect((await getAccountResponse(first.body.accountId)).body).toMatchObject({ accountNumber: number, version: 1 });
  });

  it('given a lower-case account number when opening then it is stored in upper case', async () => {
    const number = `t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const response = await postOpenAccount({ body: openAccountBody({ accountNumber: number }) });
    expect(response.status).toBe(201);
    expect((await getAccountResponse(response.body.accountId)).body.accountNumber).toBe(number.toUpperCase());
    expectProblem(await postOpenAccount({ body: openAccountBody({ accountNumber: number.toUpperCase() }) }), 409);
  });

  it('given an empty object when opening then 400 naming every required field', async () => {
    const response = await postOpenAccount({ body: {} });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(['accountName', 'accountNumber', 'initialBalance', 'ownerName']);
  });

  it('given over-long and malformed fields when opening then 400 naming them', async () => {
    const response = await postOpenAccount({
      body: openAccountBody({ accountNumber: 'has space', accountName: 'x'.repeat(101), description: 'd'.repeat(201) }),
    });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(['accountName', 'accountNumber', 'description']);
  });

  it.each([['100'], ['NaN'], [null], [100.001], [-1], [1e21], [true]])(
    'given initialBalance %p when opening then 400 on initialBalance',
    async (initialBalance) => {
      const response = await postOpenAccount({ body: openAccountBody({ initialBalance }) });
      expectProblem(response, 400);
      expect(fieldsOf(response)).toEqual(['initialBalance']);
    },
  );

  it('given an initial balance of 0 when opening then 201', async () => {
    expect((await postOpenAccount({ body: openAccountBody({ initialBalance: 0 }) })).status).toBe(201);
  });

  it('given malformed JSON when opening then 400', async () => {
    const response = await postOpenAccount({
      body: '{"accountNumber":',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(response, 400);
  });

  it('given a non-JSON content type when opening then 415', async () => {
    const response = await postOpenAccount({
      body: JSON.stringify(openAccountBody()),
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(response, 415);
  });

  it('given a body over 64 KiB when opening then 413 and no account', async () => {
    const body = openAccountBody({ description: 'x'.repeat(MAX_BODY_BYTES) });
    expectProblem(await postOpenAccount({ body }), 413);
    // The same number is still free: nothing was written.
    expect((await postOpenAccount({ body: { ...body, description: undefined } })).status).toBe(201);
  });

  it('given an Idempotency-Key when the same request is retried then the same answer, marked replayed, one account', async () => {
    const body = openAccountBody();
    const headers = { 'Idempotency-Key': `open-${String(body.accountNumber)}` };
    const first = await postOpenAccount({ body, headers });
    const retry = await postOpenAccount({ body: { ...body }, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // Without the key the same number is a duplicate: the retry above did not open a second account.
    expectProblem(await postOpenAccount({ body }), 409);
  });

  it('given an Idempotency-Key reused with another body when opening then 422', async () => {
    const headers = { 'Idempotency-Key': `reuse-${Date.now()}-${Math.random()}` };
    expect((await postOpenAccount({ body: openAccountBody(), headers })).status).toBe(201);
    const reused = await postOpenAccount({ body: openAccountBody(), headers });
    expectProblem(reused, 422);
    expect(reused.body.type).toBe('/problems/idempotency-key-reused');
  });

  it('given an invalid Idempotency-Key when opening then 400', async () => {
    const response = await postOpenAccount({
      body: openAccountBody(),
      headers: { 'Idempotency-Key': 'x'.repeat(256) },
    });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(['Idempotency-Key']);
  });
});
