import { getPool } from '../../lib/platform/db/pool';
import { afterDatabaseClockPasses } from '../../lib/platform/db/testing';
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

async function givenAccountWithHistory(): Promise<{ id: string; before: string; afterOpen: string }> {
  const before = new Date(Date.now() - 60_000).toISOString();
  const id = await givenAccount(100);
  const afterOpen = new Date();
  await afterDatabaseClockPasses(getPool(), afterOpen);
  await postCommand('deposit', id, { body: { amount: 50 } });
  await postCommand('withdraw', id, { body: { amount: 20 } });
  return { id, before, afterOpen: afterOpen.toISOString() };
}

describe('GET /api/accounts/{id}', () => {
  it('given an account with events when read then the current state', async () => {
    const { id } = await givenAccountWithHistory();
    const response = await getAccountResponse(id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id, balance: 130, version: 3, isActive: true });
    expect(response.text).toContain('"balance":130.00');
  });

  it('given ?version=N when read then the state after N events', async () => {
    const { id } = await givenAccountWithHistory();
    expect((await getAccountResponse(id, { version: '1' })).body).toMatchObject({ balance: 100, version: 1 });
    expect((await getAccountResponse(id, { version: '2' })).body).toMatchObject({ balance: 150, version: 2 });
    // A version the account never reached has no state to show.
    expectProblem(await getAccountResponse(id, { version: '99' }), 404);
  });

  it('given ?asOf=<ISO> when read then the state at that time; before the account existed is 404', async () => {
    const { id, before, afterOpen } = await givenAccountWithHistory();
    expect((await getAccountResponse(id, { asOf: afterOpen })).body).toMatchObject({ balance: 100, version: 1 });
    expect((await getAccountResponse(id, { asOf: new Date(Date.now() + 60_000).toISOString() })).body).toMatchObject({
      balance: 130,
    });
    expectProblem(await getAccountResponse(id, { asOf: before }), 404);
  });

  it.each([
    [{ asOf: 'yesterday' }, ['asOf']],
    [{ asOf: '2024-13-01T00:00:00Z' }, ['asOf']],
    [{ version: '0' }, ['version']],
    [{ version: 'abc' }, ['version']],
    [{ version: '1.5' }, ['version']],
    [{ version: '1e3' }, ['version']],
    [{ version: '1', asOf: '2024-01-01T00:00:00Z' }, ['version']],
  ])('given query %p when read then 400 naming %p', async (query, fields) => {
    const id = await givenAccount(1);
    const response = await getAccountResponse(id, query);
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(fields);
  });

  it('given an unknown or impossible id when read then 404', async () => {
    expectProblem(await getAccountResponse(unknownAccountId()), 404);
    expectProblem(await getAccountResponse('42'), 404);
  });
});
