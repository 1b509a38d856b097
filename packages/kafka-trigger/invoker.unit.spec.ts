import { buildDeadLetterMessages } from './dead-letter';
import { classifyInvokeResponse } from './invoker';
import { banner, lambdaEndpoint } from './plugin';
import { mapping, record } from './testing/fixtures';

describe('classifyInvokeResponse', () => {
  it('given 200 with a JSON body, when classified, then it is the response payload', () => {
    expect(
      classifyInvokeResponse({ status: 200, functionError: null, errorType: null, body: '{"batchItemFailures":[]}' }),
    ).toEqual({
      kind: 'ok',
      payload: { batchItemFailures: [] },
    });
  });

  it('given 200 with an empty body (handler returned nothing), when classified, then the payload is undefined', () => {
    expect(classifyInvokeResponse({ status: 200, functionError: null, errorType: null, body: '' })).toEqual({
      kind: 'ok',
      payload: undefined,
    });
  });

  it('given X-Amz-Function-Error, when classified, then it is a function error with the payload error type and message', () => {
    const result = classifyInvokeResponse({
      status: 200,
      functionError: 'Unhandled',
      errorType: null,
      body: JSON.stringify({ errorType: 'Error', errorMessage: 'db down', trace: ['at x'] }),
    });

    expect(result.kind).toBe('function-error');
    expect(result.kind === 'function-error' && [result.error.errorType, result.error.errorMessage]).toEqual([
      'Error',
      'db down',
    ]);
  });

  it('given an error object payload without the header, when classified, then it is a function error too', () => {
    const result = classifyInvokeResponse({
      status: 200,
      functionError: null,
      errorType: null,
      body: JSON.stringify({ errorType: 'TypeError', errorMessage: 'x is undefined' }),
    });

    expect(result.kind).toBe('function-error');
  });

  it('given a payload that merely contains errorType among other fields, when classified, then it is a normal response', () => {
    const body = JSON.stringify({ errorType: 'x', errorMessage: 'y', batchItemFailures: [] });

    expect(classifyInvokeResponse({ status: 200, functionError: null, errorType: null, body }).kind).toBe('ok');
  });

  it('given 404 ResourceNotFoundException, when classified, then the invocation was not made (retried, not counted)', () => {
    const result = classifyInvokeResponse({
      status: 404,
      functionError: null,
      errorType: 'ResourceNotFoundException',
      body: JSON.stringify({ Message: 'Function not found: x', Type: 'User' }),
    });

    expect(result).toEqual({
      kind: 'unavailable',
      message: 'HTTP 404 ResourceNotFoundException Function not found: x',
    });
  });

  it('given 413, when classified, then it is a function error (it can never succeed)', () => {
    expect(classifyInvokeResponse({ status: 413, functionError: null, errorType: null, body: '' }).kind).toBe(
      'function-error',
    );
  });
});

describe('lambdaEndpoint', () => {
  it('given nothing configured, when resolved, then it is localhost:3002', () => {
    expect(lambdaEndpoint({}, undefined, {}).baseUrl).toBe('http://localhost:3002');
  });

  it('given CLI, custom and env values, when resolved, then the CLI option wins, then custom, then LAMBDA_PORT', () => {
    expect(lambdaEndpoint({ lambdaPort: '3102' }, { lambdaPort: '3202' }, { LAMBDA_PORT: '3302' }).port).toBe(3102);
    expect(lambdaEndpoint({}, { lambdaPort: '3202', host: '127.0.0.1' }, { LAMBDA_PORT: '3302' }).baseUrl).toBe(
      'http://127.0.0.1:3202',
    );
    expect(lambdaEndpoint({}, {}, { LAMBDA_PORT: '3302' }).port).toBe(3302);
  });

  it('given a wildcard host, when resolved, then loopback is used', () => {
    expect(lambdaEndpoint({ host: '0.0.0.0' }, undefined, {}).host).toBe('127.0.0.1');
  });

  it('given useInProcess from the CLI or custom.serverless-offline, when resolved, then the in-process runner is detected', () => {
    expect(lambdaEndpoint({}, { useInProcess: true }, {}).inProcess).toBe(true);
    expect(lambdaEndpoint({ useInProcess: true }, {}, {}).inProcess).toBe(true);
    expect(lambdaEndpoint({}, {}, {}).inProcess).toBe(false);
  });
});

describe('banner', () => {
  it('given the deployed settings only, when printed, then it states them without a local deviation', () => {
    const text = banner(mapping({ batchingWindowMs: 500, deployedBatchingWindowSeconds: 0.5 }), false, undefined);

    expect(text).toContain('window 500 ms');
    expect(text).toContain('3 retries');
    expect(text).toContain('on failure → kafka://events-dlq');
    expect(text).not.toMatch(/LOCAL OVERRIDE|NOT ENFORCED/);
  });

  it('given the opted-in local window and the in-process runner, when printed, then both deviations are named', () => {
    const text = banner(mapping({ batchingWindowMs: 20, deployedBatchingWindowSeconds: 1 }), true, 20);

    expect(text).toContain('window 20 ms LOCAL OVERRIDE (custom.kafkaTrigger.localBatchingWindowMs; deployed 1000 ms)');
    expect(text).toContain('NOT ENFORCED (in-process runner)');
  });

  it('given no destination and infinite retries, when printed, then it says records are retried until they expire', () => {
    const text = banner(
      mapping({
        deadLetterTopic: null,
        provisioned: null,
        retry: {
          maximumRetryAttempts: Number.POSITIVE_INFINITY,
          bisectBatchOnFunctionError: false,
          reportBatchItemFailures: false,
          maximumRecordAgeMs: null,
        },
      }),
      false,
      undefined,
    );

    expect(text).toContain('on-demand');
    expect(text).toContain('retries until the record expires');
    expect(text).toContain('discarded (no destination)');
  });
});

describe('buildDeadLetterMessages', () => {
  it('given a failed record, when built, then it is the record exactly (key, value, headers) with no invented metadata', () => {
    const failed = record(2, 17, {
      topic: 'banking-events',
      timestamp: 1_700_000_000_000,
      headers: [
        ['event-type', Buffer.from('MoneyDeposited')],
        ['event-type', Buffer.from('dup')],
        ['trace', null],
      ],
    });

    const [message] = buildDeadLetterMessages([failed]);

    expect(message).toEqual({
      key: failed.key,
      value: failed.value,
      headers: { 'event-type': [Buffer.from('MoneyDeposited'), Buffer.from('dup')], trace: Buffer.alloc(0) },
    });
  });
});
