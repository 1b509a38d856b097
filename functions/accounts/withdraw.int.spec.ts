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

describe('POST /api/accounts/{id}/withdraw', () => {
  it('given enough money when withdrawing then 200 with the new balance and version', async () => {
    const id = await givenAccount(100);
    const response = await postCommand('withdraw', id, { body: { amount: 99.99 } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"balance":0.01,"version":2}');
  });

  it('given too little money when withdrawing then 422 insufficient funds and the balance is unchanged', async () => {
    const id = await givenAccount(10);
    const response = await postCommand('withdraw', id, { body: { amount: 10.01 } });
    expectProblem(response, 422);
    expect(response.body.type).toBe('/problems/insufficient-funds');
    expect((await getAccountResponse(id)).body).toMatchObject({ balance: 10, version: 1 });
  });

  it('given an unknown account when withdrawing then 404', async () => {
    expectProblem(await postCommand('withdraw', unknownAccountId(), { body: { amount: 1 } }), 404);
  });

  it('given a string amount and an over-long description when withdrawing then 400 naming both', async () => {
    const id = await givenAccount(10);
    const response = await postCommand('withdraw', id, { body: { amount: '1.00', description: 'x'.repeat(201) } });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(['amount', 'description']);
  });

  it('given a retried withdrawal with its Idempotency-Key then exactly one effect', async () => {
    const id = await givenAccount(100);
    const headers = { 'Idempotency-Key': `wd-${id}` };
    const answers = await Promise.all(
      [1, 2, 3].map(() => postCommand('withdraw', id, { body: { amount: 60 }, headers })),
    );
    expect(answers.map((answer) => [answer.status, answer.body.type])).toEqual([
      [200, undefined],
      [200, undefined],
      [200, undefined],
    ]);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect((await getAccountResponse(id)).body).toMatchObject({ balance: 40, version: 2 });
  });
});
