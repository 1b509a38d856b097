import {
  expectProblem,
  fieldsOf,
  getAccountResponse,
  givenAccount,
  postCommand,
  unknownAccountId,
  handlerResources,
} from './testing';

handlerResources();

describe('POST /api/accounts/{id}/transfer', () => {
  it('given two accounts when transferring then 200 with the transfer id and both new balances', async () => {
    const from = await givenAccount(100);
    const to = await givenAccount(5);
    const response = await postCommand('transfer', from, { body: { toAccountId: to, amount: 30 } });
    expect(response.status).toBe(200);
    expect(response.body.transferId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.text).toContain('"fromAccountNewBalance":70.00');
    expect(response.text).toContain('"toAccountNewBalance":35.00');
    expect((await getAccountResponse(to)).body).toMatchObject({ balance: 35, version: 2 });
  });

  it('given the same account on both sides when transferring then 422 self transfer', async () => {
    const id = await givenAccount(100);
    const response = await postCommand('transfer', id, { body: { toAccountId: id, amount: 1 } });
    expectProblem(response, 422);
    expect(response.body.type).toBe('/problems/self-transfer');
  });

  it('given an unknown target when transferring then 404 and the source is unchanged', async () => {
    const from = await givenAccount(100);
    expectProblem(await postCommand('transfer', from, { body: { toAccountId: unknownAccountId(), amount: 1 } }), 404);
    expect((await getAccountResponse(from)).body).toMatchObject({ balance: 100, version: 1 });
  });

  it('given an unknown source when transferring then 404 and the target is unchanged', async () => {
    const to = await givenAccount(1);
    expectProblem(await postCommand('transfer', unknownAccountId(), { body: { toAccountId: to, amount: 1 } }), 404);
    expect((await getAccountResponse(to)).body).toMatchObject({ balance: 1, version: 1 });
  });

  it('given too little money when transferring then 422 and neither account changes', async () => {
    const from = await givenAccount(1);
    const to = await givenAccount(1);
    expectProblem(await postCommand('transfer', from, { body: { toAccountId: to, amount: 1.01 } }), 422);
    expect((await getAccountResponse(from)).body).toMatchObject({ balance: 1, version: 1 });
    expect((await getAccountResponse(to)).body).toMatchObject({ balance: 1, version: 1 });
  });

  it('given a malformed target id and amount when transferring then 400 naming both', async () => {
    const from = await givenAccount(1);
    const response = await postCommand('transfer', from, { body: { toAccountId: 'nope', amount: 'NaN' } });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(['amount', 'toAccountId']);
  });

  it('given a retried transfer with its Idempotency-Key then one effect; another body with that key is 422', async () => {
    const from = await givenAccount(100);
    const to = await givenAccount(0);
    const headers = { 'Idempotency-Key': `tr-${from}` };
    const first = await postCommand('transfer', from, { body: { toAccountId: to, amount: 10 }, headers });
    const retry = await postCommand('transfer', from, { body: { toAccountId: to, amount: 10 }, headers });
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expectProblem(await postCommand('transfer', from, { body: { toAccountId: to, amount: 11 }, headers }), 422);
    expect((await getAccountResponse(from)).body).toMatchObject({ balance: 90, version: 2 });
    expect((await getAccountResponse(to)).body).toMatchObject({ balance: 10, version: 2 });
  });
});
