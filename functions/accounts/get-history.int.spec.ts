import {
  expectProblem,
  fieldsOf,
  getHistoryResponse,
  givenAccount,
  postCommand,
  unknownAccountId,
  handlerResources,
} from './testing';

handlerResources();

describe('GET /api/accounts/{id}/history', () => {
  it('given an account with events when read then its events ascending with 2-decimal amounts', async () => {
    const id = await givenAccount(100);
    await postCommand('deposit', id, { body: { amount: 0.5, description: 'Coins' } });
    await postCommand('withdraw', id, { body: { amount: 20 } });

    const response = await getHistoryResponse(id);
    expect(response.status).toBe(200);
    expect(response.body.map((entry: { type: string; version: number }) => [entry.type, entry.version])).toEqual([
      ['AccountCreated', 1],
      ['MoneyDeposited', 2],
      ['MoneyWithdrawn', 3],
    ]);
    const [created, deposited] = response.body;
    expect(created).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { accountId: id, initialBalance: 100, description: 'Initial deposit' },
    });
    expect(created.id).not.toBe(id);
    expect(deposited.data).toMatchObject({ amount: 0.5, description: 'Coins' });
    expect(response.text).toContain('"initialBalance":100.00');
    expect(response.text).toContain('"amount":0.50');
    expect(response.text).toContain('"amount":20.00');
  });

  it('given fromVersion and limit when read then that page', async () => {
    const id = await givenAccount(100);
    for (const amount of [1, 2, 3]) await postCommand('deposit', id, { body: { amount } });
    const response = await getHistoryResponse(id, { fromVersion: '2', limit: '2' });
    expect(response.body.map((entry: { version: number }) => entry.version)).toEqual([2, 3]);
  });

  it.each([
    [{ limit: '0' }, ['limit']],
    [{ limit: '1001' }, ['limit']],
    [{ limit: 'ten' }, ['limit']],
    [{ fromVersion: '-1' }, ['fromVersion']],
    [{ fromVersion: 'x', limit: '-1' }, ['fromVersion', 'limit']],
  ])('given query %p when read then 400 naming %p', async (query, fields) => {
    const id = await givenAccount(1);
    const response = await getHistoryResponse(id, query);
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(fields);
  });

  it('given an unknown account when read then 404', async () => {
    expectProblem(await getHistoryResponse(unknownAccountId()), 404);
    expectProblem(await getHistoryResponse('not-a-uuid'), 404);
  });
});
