/**
 * Who may do what to an account, through the real handlers and PostgreSQL, with tokens of a real issuer (the spec's
 * own key pair and JWKS, test/support/auth.ts): owners, other customers (the account does not exist for them),
 * tellers and admins (every account), and callers without a valid token (401).
 */
import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../../local/auth/issuer';
import { getPool } from '../../lib/platform/db/pool';
import { admin, customer, newSigningKey, subjectOf, teller, testIssuer } from '../../test/support/auth';
import {
  expectProblem,
  getAccountResponse,
  getHistoryResponse,
  givenAccount,
  handlerResources,
  openAccountBody,
  postCommand,
  postOpenAccount,
} from './testing';

handlerResources();

const run = randomUUID().slice(0, 8);
const alice = customer(`alice-${run}`);
const bob = customer(`bob-${run}`);

async function balanceOf(id: string): Promise<unknown> {
  return (await getAccountResponse(id, undefined, teller)).body.balance;
}

describe('accounts by role', () => {
  it('given a customer, when they open an account, then they own it and read it; the history names them', async () => {
    const id = await givenAccount(100, {}, alice);
    expect((await getAccountResponse(id, undefined, alice)).status).toBe(200);
    expect((await postCommand('deposit', id, { body: { amount: 5 }, as: alice })).status).toBe(200);
    const history = await getHistoryResponse(id, undefined, alice);
    expect(history.status).toBe(200);
    const actor = { sub: subjectOf(alice.username), username: alice.username };
    expect(history.body).toEqual([
      expect.objectContaining({ type: 'AccountCreated', actor, data: expect.objectContaining({ ownerId: actor.sub }) }),
      expect.objectContaining({ type: 'MoneyDeposited', actor }),
    ]);
  });

  it("given another customer's account, then every route answers 404 exactly as for an unknown id, and nothing changes", async () => {
    const id = await givenAccount(100, {}, alice);
    const unknown = randomUUID();
    const pairs: Array<
      [
        Promise<{ status: number; body: { type?: string; title?: string } }>,
        Promise<{ status: number; body: { type?: string; title?: string } }>,
      ]
    > = [
      [getAccountResponse(id, undefined, bob), getAccountResponse(unknown, undefined, bob)],
      [getHistoryResponse(id, undefined, bob), getHistoryResponse(unknown, undefined, bob)],
      [
        postCommand('deposit', id, { body: { amount: 1 }, as: bob }),
        postCommand('deposit', unknown, { body: { amount: 1 }, as: bob }),
      ],
      [
        postCommand('withdraw', id, { body: { amount: 1 }, as: bob }),
        postCommand('withdraw', unknown, { body: { amount: 1 }, as: bob }),
      ],
    ];
    for (const [mine, none] of pairs) {
      const [refused, missing] = await Promise.all([mine, none]);
      expect(refused.status).toBe(404);
      expect({ type: refused.body.type, title: refused.body.title }).toEqual({
        type: missing.body.type,
        title: missing.body.title,
      });
    }
    const bobs = await givenAccount(100, {}, bob);
    const stolen = await postCommand('transfer', id, { body: { toAccountId: bobs, amount: 50 }, as: bob });
    expectProblem(stolen, 404);
    expect(stolen.body.type).toBe('/problems/account-not-found');
    expect(await balanceOf(id)).toBe(100);
    expect(await balanceOf(bobs)).toBe(100);
    expect((await getHistoryResponse(id, undefined, alice)).body).toHaveLength(1);
  });

  it("given a customer, when they transfer to another customer's account, then it goes through (payments)", async () => {
    const from = await givenAccount(100, {}, alice);
    const to = await givenAccount(0, {}, bob);
    const response = await postCommand('transfer', from, { body: { toAccountId: to, amount: 30 }, as: alice });
    expect(response.status).toBe(200);
    expect(await balanceOf(to)).toBe(30);
    expectProblem(
      await postCommand('transfer', from, { body: { toAccountId: randomUUID(), amount: 1 }, as: alice }),
      404,
    );
  });

  it.each([
    ['teller', teller],
    ['admin', admin],
  ])('given a %s, then any account can be read and moved, and one can be opened for a customer', async (_, staff) => {
    const id = await givenAccount(100, {}, alice);
    expect((await getAccountResponse(id, undefined, staff)).status).toBe(200);
    expect((await getHistoryResponse(id, undefined, staff)).status).toBe(200);
    expect((await postCommand('withdraw', id, { body: { amount: 10 }, as: staff })).status).toBe(200);
    const opened = await postOpenAccount({ body: openAccountBody({ ownerId: subjectOf(bob.username) }), as: staff });
    expect(opened.status).toBe(201);
    expect((await getAccountResponse(opened.body.accountId, undefined, bob)).status).toBe(200);
    expect((await getAccountResponse(opened.body.accountId, undefined, alice)).status).toBe(404);
    const history = await getHistoryResponse(opened.body.accountId, undefined, bob);
    expect(history.body[0].actor).toEqual({ sub: subjectOf(staff.username), username: staff.username });
  });

  it('given a customer naming another owner, when opening, then 403 and nothing is opened', async () => {
    const body = openAccountBody({ ownerId: subjectOf(bob.username) });
    expectProblem(await postOpenAccount({ body, as: alice }), 403);
    const own = await postOpenAccount({ body: { ...body, ownerId: subjectOf(alice.username) }, as: alice });
    expect(own.status).toBe(201);
  });

  it('given no token, a forged, an expired or a wrong-issuer token, then 401 with a Bearer challenge', async () => {
    const id = await givenAccount(100, {}, alice);
    const { key, issuer } = testIssuer();
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await signAccessToken(await newSigningKey(), issuer, alice),
      await signAccessToken(key, issuer, { ...alice, expiresIn: 60 }, { issuedAt: now - 3600 }),
      await signAccessToken(key, 'http://elsewhere.test', alice),
      await signAccessToken(key, issuer, alice, { audience: 'another-client' }),
    ];
    const anonymous = await getAccountResponse(id, undefined, null);
    expectProblem(anonymous, 401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="ledgerline"');
    for (const token of tokens) {
      const response = await postCommand('deposit', id, {
        body: { amount: 1 },
        headers: { authorization: `Bearer ${token}` },
        as: null,
      });
      expectProblem(response, 401);
      expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    }
    expect(await balanceOf(id)).toBe(100);
  });

  it("given one Idempotency-Key from two users, then each gets their own effect, never the other's answer", async () => {
    const key = `shared-${run}`;
    const mine = await givenAccount(100, {}, alice);
    const theirs = await givenAccount(100, {}, bob);
    const first = await postCommand('deposit', mine, {
      body: { amount: 10 },
      headers: { 'Idempotency-Key': key },
      as: alice,
    });
    const second = await postCommand('deposit', theirs, {
      body: { amount: 10 },
      headers: { 'Idempotency-Key': key },
      as: bob,
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    // The same body to the same path by a teller: still a new key for them, so a second deposit.
    const byTeller = await postCommand('deposit', mine, {
      body: { amount: 10 },
      headers: { 'Idempotency-Key': key },
      as: teller,
    });
    expect(byTeller.headers['idempotent-replayed']).toBeUndefined();
    const replay = await postCommand('deposit', mine, {
      body: { amount: 10 },
      headers: { 'Idempotency-Key': key },
      as: alice,
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await balanceOf(mine)).toBe(120);
    expect(await balanceOf(theirs)).toBe(110);
  });

  it('given events written before actors were recorded, then the history reads them with actor null', async () => {
    const id = await givenAccount(100, {}, alice);
    await getPool().query(`UPDATE event_store.events SET metadata = metadata - 'actor' WHERE stream_id = $1`, [id]);
    const history = await getHistoryResponse(id, undefined, teller);
    expect(history.status).toBe(200);
    expect(history.body[0].actor).toBeNull();
  });
});
