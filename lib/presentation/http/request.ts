import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Caller } from '../../platform/auth/verify-token';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpMiddleware = MiddlewareObj<HttpEvent, HttpResult>;

/** What the middlewares learn about one request, keyed by its event object (middy keeps the same event throughout). */
export interface RequestState {
  correlationId: string;
  startedAt: number;
  /** The parsed JSON body, before schema validation (the idempotency fingerprint hashes this). */
  json?: unknown;
  /** The source text of each number in `json`, by path (./json-numbers.ts). */
  numberSources?: Map<string, string>;
  idempotency?: { key: string; fingerprint: string };
  /** The verified caller (./authenticate.ts); absent on public routes. */
  caller?: Caller;
}

const states = new WeakMap<HttpEvent, RequestState>();

export function setRequestState(event: HttpEvent, state: RequestState): void {
  states.set(event, state);
}

export function getRequestState(event: HttpEvent): RequestState | undefined {
  return states.get(event);
}

/** API Gateway lowercases header names, serverless-offline and hand-made test events may not. */
export function getHeader(event: Pick<HttpEvent, 'headers'>, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function requestMethod(event: HttpEvent): string {
  return (event.requestContext?.http?.method ?? 'GET').toUpperCase();
}

export function requestPath(event: HttpEvent): string {
  return event.rawPath ?? event.requestContext?.http?.path ?? '/';
}
