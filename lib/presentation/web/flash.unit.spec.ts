import { apiEvent } from '../http/testing';
import {
  flashCookie,
  flashNotice,
  republishFlashCookie,
  republishNotice,
  takeFlash,
  takeRepublishFlash,
} from './flash';

const accountId = '0b9f6f0e-7c39-4a57-9a53-0f3d6d2f4c11';
const secure = { host: 'bank.test', 'x-forwarded-proto': 'https' };

describe('one-time notices', () => {
  it('given a command outcome when the cookie comes back then the notice is specific and the cookie is cleared', () => {
    const set = flashCookie(apiEvent({ path: '/accounts', headers: secure }), {
      accountId,
      action: 'deposit',
      amount: 100_050,
      balance: 173_941,
      version: 67,
    });
    expect(set).toMatch(/^__Host-ll_notice=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=60; Secure$/);
    const taken = takeFlash(
      apiEvent({ path: '/accounts', headers: { ...secure, cookie: set.split(';')[0]! } }),
      accountId,
    );
    expect(flashNotice(taken.flash!)).toEqual({
      kind: 'success',
      message: 'Deposited 1,000.50 — balance 1,739.41, version 67.',
    });
    expect(taken.cookies).toEqual(['__Host-ll_notice=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure']);
  });

  it("given another account's or a forged cookie then no notice is shown, and the cookie is cleared", () => {
    const other = flashCookie(apiEvent({ path: '/accounts', headers: secure }), {
      accountId,
      action: 'withdraw',
      amount: 1,
      balance: 1,
      version: 2,
    });
    const elsewhere = takeFlash(
      apiEvent({ path: '/accounts', headers: { ...secure, cookie: other.split(';')[0]! } }),
      '1b9f6f0e-7c39-4a57-9a53-0f3d6d2f4c11',
    );
    expect(elsewhere.flash).toBeUndefined();
    expect(elsewhere.cookies).toHaveLength(1);
    const forged = Buffer.from(
      JSON.stringify({ accountId, action: '<b>', amount: 1, balance: 1, version: 1 }),
    ).toString('base64url');
    expect(
      takeFlash(
        apiEvent({ path: '/accounts', headers: { ...secure, cookie: `__Host-ll_notice=${forged}` } }),
        accountId,
      ).flash,
    ).toBeUndefined();
  });

  it('given a re-publish request when the dead-letters page reads the cookie then it names the dead letter once; an account page ignores it', () => {
    const set = republishFlashCookie(apiEvent({ path: '/explorer/dead-letters', headers: secure }), {
      partition: 2,
      offset: '17',
      outcome: 'already-requested',
    });
    const back = apiEvent({ path: '/explorer/dead-letters', headers: { ...secure, cookie: set.split(';')[0]! } });
    const taken = takeRepublishFlash(back);
    expect(republishNotice(taken.flash!)).toEqual({
      kind: 'info',
      message: 'Re-publish of the dead letter at partition 2, offset 17 was already requested: nothing changed.',
    });
    expect(taken.cookies).toHaveLength(1);
    expect(takeFlash(back, accountId).flash).toBeUndefined();
    const forged = Buffer.from(JSON.stringify({ partition: 2, offset: '<b>', outcome: 'requested' })).toString(
      'base64url',
    );
    expect(
      takeRepublishFlash(
        apiEvent({ path: '/', headers: { ...secure, cookie: `__Host-ll_republish_notice=${forged}` } }),
      ).flash,
    ).toBeUndefined();
  });
});
