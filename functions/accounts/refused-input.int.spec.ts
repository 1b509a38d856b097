/**
 * Issue 18 against the real handlers: each refused request is an RFC 9457 problem naming what was wrong, and nothing
 * is stored — the account's version and balance are unchanged, an account number stays free.
 */
import {
  expectProblem,
  fieldsOf,
  getAccountResponse,
  givenAccount,
  handlerResources,
  openAccountBody,
  postCommand,
  postOpenAccount,
} from './testing';

handlerResources();

const json = { 'content-type': 'application/json' };
const base64 = (bytes: Buffer) => bytes.toString('base64');

type Refusal = {
  name: string;
  body: string;
  headers?: Record<string, string>;
  isBase64?: boolean;
  status: number;
  type: string;
  fields?: string[];
};

const refusals: Refusal[] = [
  {
    name: 'an amount with 16 decimals',
    body: '{"amount": 10.0000000000000001}',
    status: 400,
    type: 'validation-error',
    fields: ['amount'],
  },
  {
    name: 'an amount with 3 decimals, all zero',
    body: '{"amount": 10.000}',
    status: 400,
    type: 'validation-error',
    fields: ['amount'],
  },
  {
    name: 'an amount with an exponent',
    body: '{"amount": 1e2}',
    status: 400,
    type: 'validation-error',
    fields: ['amount'],
  },
  {
    name: 'a description with a right-to-left override',
    body: '{"amount": 1, "description": "rent \\u202Egnp.exe"}',
    status: 400,
    type: 'validation-error',
    fields: ['description'],
  },
  {
    name: 'a description with a control character',
    body: '{"amount": 1, "description": "rent\\u0007"}',
    status: 400,
    type: 'validation-error',
    fields: ['description'],
  },
  {
    name: 'a Latin-1 body',
    body: base64(Buffer.from('{"amount": 1, "description": "caf\u00e9"}', 'latin1')),
    isBase64: true,
    status: 400,
    type: 'invalid-utf8',
  },
  {
    name: 'a body a gateway decoded lossily',
    body: '{"amount": 1, "description": "caf\uFFFD"}',
    status: 400,
    type: 'invalid-utf8',
  },
  {
    name: 'a declared ISO-8859-1 charset',
    body: '{"amount": 1}',
    headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    status: 415,
    type: 'unsupported-media-type',
  },
];

describe.each(['deposit', 'withdraw'] as const)('POST /api/accounts/{id}/%s refuses', (command) => {
  it.each(refusals.map((refusal) => [refusal.name, refusal] as const))(
    '%s: a problem, and the account is unchanged',
    async (_name, refusal) => {
      const id = await givenAccount(100);
      const response = await postCommand(command, id, {
        body: refusal.body,
        headers: refusal.headers ?? json,
        ...(refusal.isBase64 ? { isBase64Encoded: true } : {}),
      });
      expectProblem(response, refusal.status);
      expect(response.body.type).toBe(`/problems/${refusal.type}`);
      if (refusal.fields) expect(fieldsOf(response)).toEqual(refusal.fields);
      expect((await getAccountResponse(id)).body).toMatchObject({ balance: 100, version: 1 });
    },
  );
});

describe('POST /api/accounts/{id}/transfer refuses', () => {
  it.each(refusals.map((refusal) => [refusal.name, refusal] as const))(
    '%s: a problem, and neither account changes',
    async (_name, refusal) => {
      const from = await givenAccount(100);
      const to = await givenAccount(5);
      const withTarget = (text: string) => text.replace('{', `{"toAccountId": "${to}", `);
      const body = refusal.isBase64
        ? base64(Buffer.from(withTarget(Buffer.from(refusal.body, 'base64').toString('latin1')), 'latin1'))
        : withTarget(refusal.body);
      const response = await postCommand('transfer', from, {
        body,
        headers: refusal.headers ?? json,
        ...(refusal.isBase64 ? { isBase64Encoded: true } : {}),
      });
      expectProblem(response, refusal.status);
      expect(response.body.type).toBe(`/problems/${refusal.type}`);
      if (refusal.fields) expect(fieldsOf(response)).toEqual(refusal.fields);
      expect((await getAccountResponse(from)).body).toMatchObject({ balance: 100, version: 1 });
      expect((await getAccountResponse(to)).body).toMatchObject({ balance: 5, version: 1 });
    },
  );

  it('given the refusals then a plain amount still moves money exactly', async () => {
    const from = await givenAccount(100);
    const to = await givenAccount(5);
    const response = await postCommand('transfer', from, {
      body: `{"toAccountId": "${to}", "amount": 0.07}`,
      headers: json,
    });
    expect(response.status).toBe(200);
    expect((await getAccountResponse(to)).text).toContain('"balance":5.07');
  });
});

describe('POST /api/accounts refuses', () => {
  const openRefusals: Array<[string, (number: string) => string, string[]]> = [
    [
      'an initial balance with 3 decimals',
      (n) => `{"accountNumber":"${n}","accountName":"A","ownerName":"O","initialBalance":0.001}`,
      ['initialBalance'],
    ],
    [
      'an initial balance rounding to cents',
      (n) => `{"accountNumber":"${n}","accountName":"A","ownerName":"O","initialBalance":5.000000000000001}`,
      ['initialBalance'],
    ],
    [
      'an initial balance with an exponent',
      (n) => `{"accountNumber":"${n}","accountName":"A","ownerName":"O","initialBalance":5e0}`,
      ['initialBalance'],
    ],
    [
      'an owner name with a bidi isolate',
      (n) => `{"accountNumber":"${n}","accountName":"A","ownerName":"\\u2067Eve\\u2069","initialBalance":1}`,
      ['ownerName'],
    ],
    [
      'an account name with a control character',
      (n) => `{"accountNumber":"${n}","accountName":"A\\u0000","ownerName":"O","initialBalance":1}`,
      ['accountName'],
    ],
    [
      'an account number with a control character',
      (n) => `{"accountNumber":"${n}\\u0007","accountName":"A","ownerName":"O","initialBalance":1}`,
      ['accountNumber'],
    ],
    [
      'an account number with a bidi override',
      (n) => `{"accountNumber":"\\u202E${n}","accountName":"A","ownerName":"O","initialBalance":1}`,
      ['accountNumber'],
    ],
  ];

  it.each(openRefusals)('%s: 400 naming the field, and the number stays free', async (_name, bodyFor, fields) => {
    const { accountNumber } = openAccountBody();
    const response = await postOpenAccount({ body: bodyFor(accountNumber as string), headers: json });
    expectProblem(response, 400);
    expect(fieldsOf(response)).toEqual(fields);
    expect((await postOpenAccount({ body: openAccountBody({ accountNumber }) })).status).toBe(201);
  });

  it('given invalid UTF-8 or another charset: 400 / 415, and the number stays free', async () => {
    const body = openAccountBody();
    const latin1 = Buffer.from(JSON.stringify({ ...body, ownerName: 'Zo\u00eb' }), 'latin1');
    expectProblem(await postOpenAccount({ body: base64(latin1), headers: json, isBase64Encoded: true }), 400);
    expectProblem(
      await postOpenAccount({
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      }),
      415,
    );
    expect((await postOpenAccount({ body })).status).toBe(201);
  });

  it('given decomposed names when opening then they are stored NFC', async () => {
    const response = await postOpenAccount({
      body: openAccountBody({ accountName: 'Cafe\u0301', ownerName: 'Zoe\u0308' }),
    });
    expect(response.status).toBe(201);
    expect((await getAccountResponse(response.body.accountId)).body).toMatchObject({
      accountName: 'Caf\u00e9',
      ownerName: 'Zo\u00eb',
    });
  });
});
