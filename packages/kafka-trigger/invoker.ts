/**
 * Invoking the function. The emulator core takes any `invoke(event) → response` function: it resolves with the
 * function's response and rejects with a FunctionError (or any other error) for a function error, or with an
 * InvocationUnavailableError when the invocation could not be made (retried, never counted as a function error).
 *
 * The plugin invokes through serverless-offline's Lambda API (RequestResponse): the function then runs exactly as
 * serverless-offline runs every other function (the esbuild bundle, the merged provider/function environment, its
 * timeout, its worker-thread/in-process/Docker runner), instead of a second, subtly different way of loading handlers.
 */
import { InvocationUnavailableError } from './batch-processor';
import type { LambdaKafkaEvent } from './encoding';

export type Invoke = (event: LambdaKafkaEvent) => Promise<unknown>;

/** A function error as Lambda reports it (`X-Amz-Function-Error`, payload `{ errorType, errorMessage, trace }`). */
export class FunctionError extends Error {
  override name = 'FunctionError';
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: readonly string[] = [],
  ) {
    super(`${errorType}: ${errorMessage}`);
  }
}

export type ClassifiedResponse =
  | { readonly kind: 'ok'; readonly payload: unknown }
  | { readonly kind: 'function-error'; readonly error: FunctionError }
  | { readonly kind: 'unavailable'; readonly message: string };

export interface RawInvokeResponse {
  readonly status: number;
  /** `X-Amz-Function-Error` (Unhandled / Handled). */
  readonly functionError: string | null;
  /** `x-amzn-ErrorType` (e.g. ResourceNotFoundException). */
  readonly errorType: string | null;
  readonly body: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ERROR_PAYLOAD_KEYS = new Set(['errorType', 'errorMessage', 'trace', 'stackTrace', 'cause']);

function parseBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function toFunctionError(payload: unknown, fallbackType: string): FunctionError {
  if (isRecord(payload)) {
    const errorType = typeof payload.errorType === 'string' ? payload.errorType : fallbackType;
    const errorMessage =
      typeof payload.errorMessage === 'string'
        ? payload.errorMessage
        : typeof payload.Message === 'string'
          ? payload.Message
          : JSON.stringify(payload);
    const trace = Array.isArray(payload.trace)
      ? payload.trace.map(String)
      : Array.isArray(payload.stackTrace)
        ? payload.stackTrace.map(String)
        : [];
    return new FunctionError(errorType, errorMessage, trace);
  }
  return new FunctionError(fallbackType, typeof payload === 'string' ? payload : 'function error');
}

/**
 * Classifies a Lambda Invoke API response (pure). A function error is the `X-Amz-Function-Error` header, or (for
 * runtimes/emulators that omit it) a payload that is nothing but a Lambda error object `{ errorType, errorMessage,
 * trace }`. Payload too large is a function error (it would never succeed); anything else non-200 means the invocation
 * was not made.
 */
export function classifyInvokeResponse(response: RawInvokeResponse): ClassifiedResponse {
  const payload = parseBody(response.body);
  if (response.status === 200) {
    if (response.functionError)
      return { kind: 'function-error', error: toFunctionError(payload, response.functionError) };
    if (
      isRecord(payload) &&
      typeof payload.errorType === 'string' &&
      typeof payload.errorMessage === 'string' &&
      Object.keys(payload).every((key) => ERROR_PAYLOAD_KEYS.has(key))
    ) {
      return { kind: 'function-error', error: toFunctionError(payload, 'Error') };
    }
    return { kind: 'ok', payload };
  }
  if (response.status === 413) {
    return {
      kind: 'function-error',
      error: toFunctionError(payload, response.errorType ?? 'RequestTooLargeException'),
    };
  }
  const detail =
    isRecord(payload) && typeof payload.Message === 'string' ? payload.Message : response.body.slice(0, 500);
  return { kind: 'unavailable', message: `HTTP ${response.status} ${response.errorType ?? ''} ${detail}`.trim() };
}

export interface HttpInvokerOptions {
  /** e.g. http://127.0.0.1:3002 */
  readonly baseUrl: string;
  /** The deployed function name (`<service>-<stage>-<fn>`). */
  readonly functionName: string;
  /** Give up waiting after this long (serverless-offline enforces the function timeout itself); null = never. */
  readonly timeoutMs: number | null;
}

/** Invokes through serverless-offline's `POST /2015-03-31/functions/<name>/invocations`, synchronously. */
export function createHttpInvoker(options: HttpInvokerOptions): Invoke {
  const url = `${options.baseUrl.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`;
  return async (event) => {
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Amz-Invocation-Type': 'RequestResponse' },
        body: JSON.stringify(event),
        signal: options.timeoutMs === null ? undefined : AbortSignal.timeout(options.timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new FunctionError('Sandbox.Timedout', `Task timed out (no response within ${options.timeoutMs} ms)`);
      }
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new InvocationUnavailableError(
        `Lambda invoke API ${url} unreachable (${error instanceof Error ? error.message : String(error)}${cause})`,
      );
    }
    const classified = classifyInvokeResponse({
      status: response.status,
      functionError: response.headers.get('x-amz-function-error'),
      errorType: response.headers.get('x-amzn-errortype'),
      body,
    });
    if (classified.kind === 'ok') return classified.payload;
    if (classified.kind === 'function-error') throw classified.error;
    throw new InvocationUnavailableError(`${options.functionName}: ${classified.message}`);
  };
}
