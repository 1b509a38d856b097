import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResult } from './request';

/** Test support: synthetic API Gateway HTTP API (payload v2) events and parsed responses. */
export interface EventInit {
  method?: string;
  path: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded (and gets Content-Type: application/json by default). */
  body?: unknown;
  isBase64Encoded?: boolean;
}

export function apiEvent(init: EventInit): HttpEvent {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  if (init.body !== undefined && typeof init.body !== 'string') headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  const query = init.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: init.routeKey ?? `${method} ${init.path}`,
    rawPath: init.path,
    rawQueryString,
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: init.routeKey ?? `${method} ${init.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    isBase64Encoded: init.isBase64Encoded ?? false,
  };
}

export const lambdaContext = {
  functionName: 'ledgerline-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:ledgerline-test',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/ledgerline-test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
} as unknown as Context;

export interface ParsedResponse {
  status: number;
  /** Header names lowercased. */
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export function parseResponse(result: HttpResult): ParsedResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const text = result.body ?? '';
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: result.statusCode ?? 200, headers, text, body };
}

export async function invoke(
  handler: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  event: HttpEvent,
): Promise<ParsedResponse> {
  return parseResponse(await handler(event, lambdaContext));
}
