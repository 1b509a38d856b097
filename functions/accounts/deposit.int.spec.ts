import {
  expectProblem,
  fieldsOf,
  getAccountResponse,
  givenAccount,
  postCommand,
  unknownAccountId,
  handlerResources,
} from './testing';
import { getPool } from '../../lib/platform/db/pool';
import { expectNothingLeftRunning, idlePoolClients } from '../../test/support/nothing-left-running';
import { handOffTo, RELAY_FUNCTION_NAME, startFakeLambda } from '../../test/support/fake-lambda';

const { handOffs, lambda } = handlerResources();

describe('POST /api/accounts/{id}/deposit', () => {
  it('given an account when depositing then the handler hands off to the relay function (asynchronous invoke) and leaves nothing running', async () => {
    const id = await givenAccount(100);
    const before = handOffs().length;
    const response = await expectNothingLeftRunning(
      () => postCommand('deposit', id, { body: { amount: 1 } }),
      [idlePoolClients(getPool())],
    );
    expect(response.status).toBe(200);
    expect(handOffs().slice(before)).toEqual([
      { functionName: RELAY_FUNCTION_NAME, invocationType: 'Event', payload: { source: 'ledgerline.hand-off' } },
    ]);
  });

  it('given an account when depositing then 200 with the new balance (2 decimals) and version', async () => {
    const id = await givenAccount(100);
    const response = await postCommand('deposit', id, { body: { amount: 25.5, description: 'Salary' } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"balance":125.50,"version":2}');
  });

  it('given a Lambda API that does not answer when depositing then the deposit still answers 200 within the hand-off budget (the failure is only logged)', async () => {
    const id = await givenAccount(100);
    const hanging = await startFakeLambda();
    hanging.delayMs = 4_000;
    handOffTo(hanging);
    try {
      const started = Date.now();
      const response = await postCommand('deposit', id, { body: { amount: 1 } });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_500); // the hand-off's budget is 1 s
      expect(hanging.invocations.length).toBeGreaterThanOrEqual(1);
    } finally {
      handOffTo(lambda());
      await hanging.close();
    }
  });

  it('given no description when depositing then 200 (it is optional)', async () => {
    const id = await givenAccount(0);
    expect((await postCommand('deposit', id, { body: { amount: 1 } })).status).toBe(200);
  });

  it('given an unknown or impossible account id when depositing then 404', async () => {
    expectProblem(await postCommand('deposit', unknownAccountId(), { body: { amount: 1 } }), 404);
    const impossible = await postCommand('deposit', 'not-a-uuid', { body: { amount: 1 } });
    expectProblem(impossible, 404);
    expect(impossible.body.type).toBe('/problems/account-not-found');
  });

  it.each([['10'], ['NaN'], [null], [0], [-5], [0.001], [10.125], [1_000_000_000.01], [{}]])(
    'given amount %p when depositing then 400 on amount and no effect',
    async (amount) => {
      const id = await givenAccount(100);
      const response = await postCommand('deposit', id, { body: { amount } });
      expectProblem(response, 400);
      expect(fieldsOf(response)).toEqual(['amount']);
      expect((await getAccountResponse(id)).body).toMatchObject({ balance: 100, version: 1 });
    },
  );

  it('given the same Idempotency-Key and body twice when depositing then one effect and the same answer', async () => {
    const id = await givenAccount(100);
    const headers = { 'Idempotency-Key': `dep-${id}` };
    const first = await postCommand('deposit', id, { body: { amount: 10, description: 'x' }, headers });
    const retry = await postCommand('deposit', id, { body: { description: 'x', amount: 10.0 }, headers });

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await getAccountResponse(id)).body).toMatchObject({ balance: 110, version: 2 });
  });

  it('given the same Idempotency-Key with another amount when depositing then 422 and no second effect', async () => {
    const id = await givenAccount(100);
    const headers = { 'Idempotency-Key': `dep2-${id}` };
    expect((await postCommand('deposit', id, { body: { amount: 10 }, headers })).status).toBe(200);
    expectProblem(await postCommand('deposit', id, { body: { amount: 20 }, headers }), 422);
    expect((await getAccountResponse(id)).body).toMatchObject({ balance: 110, version: 2 });
  });

  it('given a wrong content type or malformed JSON when depositing then 415 / 400', async () => {
    const id = await givenAccount(100);
    expectProblem(
      await postCommand('deposit', id, {
        body: 'amount=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    expectProblem(
      await postCommand('deposit', id, { body: '{"amount": 1', headers: { 'content-type': 'application/json' } }),
      400,
    );
  });
});
