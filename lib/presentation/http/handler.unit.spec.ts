import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../../commands/banking/errors';
import { amountSchema } from '../../commands/banking/money';
import { ConcurrencyConflictError, IdempotencyKeyReusedError } from '../../commands/accounts/errors';
import { logger } from '../../platform/observability/logger';
import { MAX_BODY_BYTES } from './body';
import { httpHandler, type HttpRequest } from './handler';
import { jsonResponse, money } from './json';
import { requestFingerprint } from './idempotency';
import { HttpProblem } from './problem';
import type { HttpResult } from './request';
import { apiEvent, invoke, lambdaContext, parseResponse } from './testing';
import {
  admin,
  authHeaders,
  customer,
  newSigningKey,
  teller,
  testIssuer,
  tokenFor,
  useTestIssuer,
} from '../../../test/support/auth';
import { signAccessToken } from '../../../local/auth/issuer';

type Seen = HttpRequest<{ id: string }, { limit: number }, { amount: number; name: string }, undefined>;

const ID = randomUUID();
const PATH = `/things/${ID}/do`;
let behaviour: (request: Seen) => Promise<HttpResult>;

// Public routes: these specs are about everything but the token (see "httpHandler: access" below for that).
const handler = httpHandler(
  {
    access: 'public',
    path: z.object({ id: z.guid() }),
    query: z.object({ limit: z.coerce.number().int().positive().default(10) }),
    body: z.object({ amount: amountSchema, name: z.string().min(1, 'Name must not be empty') }),
  },
  (request) => behaviour(request),
);
const getHandler = httpHandler({ access: 'public' }, async () => jsonResponse(200, { ok: true }));

const post = (init: { body?: unknown; headers?: Record<string, string>; id?: string; isBase64Encoded?: boolean }) =>
  invoke(
    handler,
    apiEvent({
      method: 'POST',
      path: `/things/${init.id ?? ID}/do`,
      pathParameters: { id: init.id ?? ID },
      body: init.body,
      headers: init.headers,
      isBase64Encoded: init.isBase64Encoded,
    }),
  );

const validBody = { amount: 12.5, name: 'x' };

beforeEach(() => {
  behaviour = async (request) => jsonResponse(200, { seen: request.body, balance: money(10000) });
});

describe('httpHandler: correlation id', () => {
  it('given an X-Correlation-Id when handled then it is echoed and passed to the command context', async () => {
    let seen: Seen | undefined;
    behaviour = async (request) => {
      seen = request;
      return jsonResponse(200, {});
    };
    const response = await post({ body: validBody, headers: { 'X-Correlation-Id': 'abc-123' } });
    expect(response.headers['x-correlation-id']).toBe('abc-123');
    expect(seen?.correlationId).toBe('abc-123');
    expect(seen?.command.correlationId).toBe('abc-123');
  });

  it('given no or an unusable correlation id when handled then a uuid is generated and echoed', async () => {
    const none = await invoke(getHandler, apiEvent({ path: '/x' }));
    expect(none.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await invoke(getHandler, apiEvent({ path: '/x', headers: { 'x-correlation-id': 'has space' } }));
    expect(bad.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('given two requests handled at once then each log line names its own request, and none outside them', async () => {
    const lines: string[] = [];
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    });
    let releaseFirst!: () => void;
    const firstMayGoOn = new Promise<void>((resolve) => (releaseFirst = resolve));
    behaviour = async (request) => {
      // The first request logs after the second one has finished: interleaved, as in one in-process container.
      if (request.body.name === 'first') await firstMayGoOn;
      logger.info('working', { name: request.body.name });
      if (request.body.name === 'second') releaseFirst();
      return jsonResponse(200, {});
    };
    try {
      await Promise.all([
        post({ body: { ...validBody, name: 'first' }, headers: { 'x-correlation-id': 'id-first' } }),
        post({ body: { ...validBody, name: 'second' }, headers: { 'x-correlation-id': 'id-second' } }),
      ]);
      logger.info('between requests');
    } finally {
      write.mockRestore();
      logger.setLogLevel(level);
    }
    const logged = lines.map((line) => JSON.parse(line) as { message: string; name?: string; correlationId?: string });
    const working = logged.filter((line) => line.message === 'working');
    expect(working.map((line) => [line.name, line.correlationId])).toEqual([
      ['second', 'id-second'],
      ['first', 'id-first'],
    ]);
    const accessLog = logged.filter((line) => line.message === 'HTTP request').map((line) => line.correlationId);
    expect(accessLog.sort()).toEqual(['id-first', 'id-second']);
    expect(logged.find((line) => line.message === 'between requests')?.correlationId).toBeUndefined();
  });

  it('given an error when handled then the problem carries and echoes the correlation id', async () => {
    const response = await post({
      body: '{',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'c-1' },
    });
    expect(response.status).toBe(400);
    expect(response.headers['x-correlation-id']).toBe('c-1');
    expect(response.body.correlationId).toBe('c-1');
  });
});

describe('httpHandler: body checks', () => {
  it('given a valid JSON body when handled then the handler gets the validated body and money renders with 2 decimals', async () => {
    const response = await post({ body: validBody });
    expect(response.status).toBe(200);
    expect(response.body.seen).toEqual({ amount: 1250, name: 'x' });
    expect(response.text).toContain('"balance":100.00');
  });

  it('given a body over 64 KiB when handled then 413 problem', async () => {
    const big = JSON.stringify({ ...validBody, pad: 'a'.repeat(MAX_BODY_BYTES) });
    const response = await post({ body: big, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 413, title: 'Content Too Large' });
  });

  it('given multi-byte characters over 64 KiB in bytes but not in characters when handled then 413', async () => {
    const body = JSON.stringify({ ...validBody, pad: 'é'.repeat(MAX_BODY_BYTES / 2 + 10) });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect((await post({ body, headers: { 'content-type': 'application/json' } })).status).toBe(413);
  });

  it('given a base64-encoded body when handled then its decoded size is limited and its JSON parsed', async () => {
    const encode = (value: string) => Buffer.from(value).toString('base64');
    const ok = await post({
      body: encode(JSON.stringify(validBody)),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    const tooBig = await post({
      body: encode(JSON.stringify({ ...validBody, pad: 'a'.repeat(MAX_BODY_BYTES) })),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    });
    expect(tooBig.status).toBe(413);
  });

  it.each([[undefined], ['text/plain'], ['application/x-www-form-urlencoded']])(
    'given content type %s when posting then 415 problem',
    async (contentType) => {
      const response = await post({
        body: JSON.stringify(validBody),
        headers: contentType ? { 'content-type': contentType } : {},
      });
      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ status: 415, type: '/problems/unsupported-media-type' });
    },
  );

  it('given JSON with charset and odd casing when posting then it is accepted', async () => {
    const response = await post({
      body: JSON.stringify(validBody),
      headers: { 'Content-Type': 'Application/JSON; charset=UTF-8' },
    });
    expect(response.status).toBe(200);
  });

  it.each([['{'], [''], ['{"amount": 1,}'], ['NaN']])('given malformed JSON %p when posting then 400', async (raw) => {
    const response = await post({ body: raw, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, type: '/problems/malformed-json' });
  });

  it('given a null body (as serverless-offline sends an empty one) when posting then 400, not the JSON value null', async () => {
    const event = apiEvent({
      method: 'POST',
      path: PATH,
      pathParameters: { id: ID },
      headers: { 'content-type': 'application/json' },
    });
    const response = await invoke(handler, { ...event, body: null as unknown as string });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      type: '/problems/malformed-json',
      detail: 'A JSON request body is required.',
    });
  });

  it('given a deeply nested body with an Idempotency-Key when posting then 400, not a stack overflow', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000); // < 64 KiB
    const response = await post({
      body: deep,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'deep' },
    });
    expect(response.status).toBe(400);
  });

  it('given no body with a JSON content type when posting then 400', async () => {
    const response = await invoke(
      handler,
      apiEvent({
        method: 'POST',
        path: PATH,
        pathParameters: { id: ID },
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(response.status).toBe(400);
  });
});

describe('httpHandler: validation', () => {
  it('given invalid fields when posting then 400 problem+json lists each field', async () => {
    const response = await post({ body: { amount: '10', name: '' } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: '/problems/validation-error',
      title: 'Validation failed',
      status: 400,
      instance: PATH,
    });
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'amount', message: 'Amount must be a JSON number (not a string)' },
        { field: 'name', message: 'Name must not be empty' },
      ]),
    );
  });

  it.each([[10.001], [-1], [0], ['NaN'], [null], [1e21]])(
    'given amount %p when posting then 400 on amount',
    async (amount) => {
      const response = await post({ body: { amount, name: 'x' } });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['amount']);
    },
  );

  it.each([['[]'], ['null'], ['"text"'], ['42']])(
    'given a non-object JSON body %s when posting then 400 on body',
    async (raw) => {
      const response = await post({ body: raw, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('body');
    },
  );

  it('given a path parameter that fails its schema when handled then 404, not 400', async () => {
    const response = await post({ id: 'not-a-uuid', body: validBody });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, instance: '/things/not-a-uuid/do' });
  });

  it('given a bad query parameter when handled then 400 naming it', async () => {
    const response = await invoke(
      handler,
      apiEvent({ method: 'POST', path: PATH, pathParameters: { id: ID }, query: { limit: '-3' }, body: validBody }),
    );
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('limit');
  });
});

describe('httpHandler: amounts judged as written', () => {
  const raw = (text: string, headers: Record<string, string> = {}) =>
    post({ body: text, headers: { 'content-type': 'application/json', ...headers } });
  const seenAmount = async (text: string) => {
    const response = await raw(text);
    expect(response.status).toBe(200);
    return response.body.seen.amount as number;
  };

  it.each([
    ['10.0000000000000001', 'Amount must have at most 2 decimal places'],
    ['10.000', 'Amount must have at most 2 decimal places'],
    ['12.499999999999999999', 'Amount must have at most 2 decimal places'],
    ['1e2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['1E+2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['5e-2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['1e21', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
  ])(
    'given the amount written %s when posting then 400 problem naming amount, however the double rounds',
    async (text, message) => {
      let called = false;
      behaviour = async () => {
        called = true;
        return jsonResponse(200, {});
      };
      const response = await raw(`{"amount": ${text}, "name": "x"}`);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ type: '/problems/validation-error', status: 400 });
      expect(response.body.errors).toEqual([{ field: 'amount', message }]);
      expect(called).toBe(false);
    },
  );

  it('given the amount written plainly with 0, 1 or 2 decimals when posting then its exact cents', async () => {
    await expect(seenAmount('{"amount": 10, "name": "x"}')).resolves.toBe(1000);
    await expect(seenAmount('{"amount": 10.5, "name": "x"}')).resolves.toBe(1050);
    await expect(seenAmount('{"amount": 10.50, "name": "x"}')).resolves.toBe(1050);
    await expect(seenAmount('{"amount": 0.07, "name": "x"}')).resolves.toBe(7);
  });

  it('given a bad amount and another bad field when posting then both are named, the amount once', async () => {
    const response = await raw('{"amount": 1.0001, "name": ""}');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'amount', message: 'Amount must have at most 2 decimal places' },
        { field: 'name', message: 'Name must not be empty' },
      ]),
    );
    expect(response.body.errors).toHaveLength(2);
  });

  it('given the amount twice, the last one plain when posting then the last one counts, as JSON.parse reads it', async () => {
    await expect(seenAmount('{"amount": 10.001, "amount": 10.25, "name": "x"}')).resolves.toBe(1025);
    const response = await raw('{"amount": 10.25, "amount": 10.001, "name": "x"}');
    expect(response.body.errors).toEqual([{ field: 'amount', message: 'Amount must have at most 2 decimal places' }]);
  });

  it('given a number with many decimals in a field that is no amount when posting then it is not judged', async () => {
    await expect(seenAmount('{"amount": 1, "name": "x", "extra": 1.23456789e3}')).resolves.toBe(100);
  });
});

describe('httpHandler: UTF-8 bodies', () => {
  const base64 = (bytes: Buffer) => ({ body: bytes.toString('base64'), isBase64Encoded: true });

  it.each([
    'application/json; charset=iso-8859-1',
    'application/json; charset=windows-1252',
    'application/json;charset=UTF-16',
  ])('given Content-Type %s when posting then 415 problem, the handler not called', async (contentType) => {
    let called = false;
    behaviour = async () => {
      called = true;
      return jsonResponse(200, {});
    };
    const response = await post({ body: JSON.stringify(validBody), headers: { 'content-type': contentType } });
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 415, type: '/problems/unsupported-media-type' });
    expect(response.body.detail).toMatch(/UTF-8/);
    expect(called).toBe(false);
  });

  it('given base64 bytes that are not UTF-8 when posting then 400 invalid-utf8, the handler not called', async () => {
    let called = false;
    behaviour = async () => {
      called = true;
      return jsonResponse(200, {});
    };
    const latin1 = Buffer.from('{"amount": 1, "name": "caf\u00e9"}', 'latin1');
    const response = await post({ ...base64(latin1), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, type: '/problems/invalid-utf8' });
    expect(called).toBe(false);
  });

  it('given base64 UTF-8 when posting then it is decoded exactly', async () => {
    const utf8 = Buffer.from('{"amount": 1, "name": "caf\u00e9 🏦"}', 'utf8');
    const response = await post({ ...base64(utf8), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(response.body.seen.name).toBe('café 🏦');
  });

  it('given a text body a gateway decoded lossily (U+FFFD) when posting then 400 invalid-utf8', async () => {
    const response = await post({
      body: '{"amount": 1, "name": "caf\uFFFD"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('/problems/invalid-utf8');
  });
});

describe('httpHandler: idempotency key', () => {
  it('given an Idempotency-Key when posting then the context carries it with the body fingerprint', async () => {
    let seen: Seen | undefined;
    behaviour = async (request) => {
      seen = request;
      return jsonResponse(200, {});
    };
    await post({ body: { name: 'x', amount: 12.5 }, headers: { 'Idempotency-Key': 'key-1' } });
    expect(seen?.command.idempotency).toEqual({
      key: 'key-1',
      fingerprint: requestFingerprint('POST', PATH, { amount: 12.5, name: 'x' }),
    });
  });

  it('given no Idempotency-Key when posting then the context has none', async () => {
    let seen: Seen | undefined;
    behaviour = async (request) => {
      seen = request;
      return jsonResponse(200, {});
    };
    await post({ body: validBody });
    expect(seen?.command.idempotency).toBeUndefined();
  });

  it.each([[''], ['a'.repeat(256)], ['tab\tkey'], ['ключ']])(
    'given Idempotency-Key %p when posting then 400',
    async (key) => {
      const response = await post({ body: validBody, headers: { 'idempotency-key': key } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('Idempotency-Key');
    },
  );
});

describe('httpHandler: error mapping', () => {
  const cases: Array<[string, unknown, number, string]> = [
    [
      'account_not_found',
      new DomainError('account_not_found', 'Account x was not found'),
      404,
      '/problems/account-not-found',
    ],
    [
      'account_already_exists',
      new DomainError('account_already_exists', 'dup'),
      409,
      '/problems/account-already-exists',
    ],
    ['insufficient_funds', new DomainError('insufficient_funds', 'poor'), 422, '/problems/insufficient-funds'],
    ['self_transfer', new DomainError('self_transfer', 'self'), 422, '/problems/self-transfer'],
    ['balance_limit', new DomainError('balance_limit', 'rich'), 422, '/problems/balance-limit'],
    ['concurrency conflict', new ConcurrencyConflictError('s', 1, 2), 409, '/problems/concurrency-conflict'],
    ['idempotency key reuse', new IdempotencyKeyReusedError('k'), 422, '/problems/idempotency-key-reused'],
    ['an HttpProblem', new HttpProblem(409, { type: 'custom', detail: 'd' }), 409, '/problems/custom'],
  ];

  it.each(cases)('given %s when thrown then %#: status and type', async (_name, error, status, type) => {
    behaviour = async () => {
      throw error;
    };
    const response = await post({ body: validBody, headers: { 'x-correlation-id': 'corr' } });
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['x-correlation-id']).toBe('corr');
    expect(response.body).toEqual({
      type,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: PATH,
      correlationId: 'corr',
    });
  });

  it('given a lost database connection when thrown then 503 problem with Retry-After, without internals', async () => {
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    behaviour = async () => {
      throw Object.assign(new Error('terminating connection due to administrator command (10.0.0.5)'), {
        code: '57P01',
      });
    };
    const response = await post({ body: validBody });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
    expect(response.text).not.toContain('10.0.0.5');
    expect(warned).toHaveBeenCalledWith(
      'Dependency unavailable',
      expect.objectContaining({ error: expect.any(Error) }),
    );
    warned.mockRestore();
  });

  it('given the function running out of time (a query queued in the pooler) then 503 problem with Retry-After, not 500', async () => {
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    let release: () => void = () => undefined;
    behaviour = () =>
      new Promise((resolve) => {
        release = () => resolve(jsonResponse(200, { late: true }));
      });
    const event = apiEvent({ method: 'POST', path: PATH, pathParameters: { id: ID }, body: validBody });
    const result = await handler(event, { ...lambdaContext, getRemainingTimeInMillis: () => 100 });
    release();
    const response = parseResponse(result);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
    warned.mockRestore();
  });

  it('given an unexpected error when thrown then 500 problem without internals, and it is logged', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    behaviour = async () => {
      throw new Error('connection to 10.0.0.5 failed: password=hunter2');
    };
    const response = await post({ body: validBody });
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({
      status: 500,
      title: 'Internal Server Error',
      type: '/problems/internal-error',
    });
    expect(response.text).not.toContain('hunter2');
    expect(response.text).not.toContain('10.0.0.5');
    expect(logged).toHaveBeenCalledWith('Unhandled error', expect.objectContaining({ error: expect.any(Error) }));
    logged.mockRestore();
  });
});

describe('httpHandler: access', () => {
  useTestIssuer();
  let seenCaller: unknown;
  const signedIn = httpHandler({ body: z.object({ amount: amountSchema }) }, async ({ caller, command }) => {
    seenCaller = { caller, commandCaller: command.caller };
    return jsonResponse(200, { ok: true });
  });
  const adminsOnly = httpHandler({ access: 'admins' }, async () => jsonResponse(200, { ok: true }));
  const call = (target: typeof signedIn, headers: Record<string, string>, body: unknown = { amount: 1 }) =>
    invoke(target, apiEvent({ method: 'POST', path: '/secured', headers, body }));

  it('given no token then 401 problem+json with a Bearer challenge, before the body is looked at', async () => {
    const response = await call(signedIn, {}, 'not json');
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="ledgerline"');
    expect(response.body).toMatchObject({ type: '/problems/unauthorized', status: 401, title: 'Unauthorized' });
  });

  it('given a malformed Authorization header or a forged token then 401 invalid_request / invalid_token', async () => {
    const basic = await call(signedIn, { authorization: 'Basic YWxpY2U6cHc=' });
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toMatch(/^Bearer realm="ledgerline", error="invalid_request"/);
    const forged = await signAccessToken(await newSigningKey(), testIssuer().issuer, { username: 'mallory' });
    const refused = await call(signedIn, { authorization: `Bearer ${forged}` });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="ledgerline", error="invalid_token"/);
    expect(seenCaller).toBeUndefined();
  });

  it('given a valid token then the handler and the command context get the caller', async () => {
    const response = await call(signedIn, await authHeaders(teller));
    expect(response.status).toBe(200);
    expect(seenCaller).toEqual({
      caller: expect.objectContaining({ username: 'teller-t', groups: ['tellers'], role: 'teller' }),
      commandCaller: expect.objectContaining({ username: 'teller-t' }),
    });
  });

  it('given an admins-only route then 403 for customers and tellers, 200 for admins', async () => {
    for (const user of [customer(), teller]) {
      const response = await call(adminsOnly, { authorization: `Bearer ${await tokenFor(user)}` });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
    }
    expect((await call(adminsOnly, await authHeaders(admin))).status).toBe(200);
  });
});
