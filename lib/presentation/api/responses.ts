import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { problemSchema } from './response-schemas';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Statuses an API route may answer with a problem, and why. */
export const ERROR_DESCRIPTIONS = {
  400: 'Validation failed (`errors` lists each field), malformed JSON or a bad Idempotency-Key header',
  401: 'No access token, or one that is malformed, unsigned, badly signed, edited, expired, or from another issuer or client (see WWW-Authenticate)',
  403: 'Signed in, but this resource is for admins only (or only tellers and admins may name another owner)',
  404: 'Unknown account, another customer’s account (exactly as unknown), or a path id that cannot be one',
  409: 'Duplicate account number, or a concurrent change that survived the retries',
  413: 'Request body larger than 64 KiB',
  415: 'Request body not sent as application/json',
  422: 'Business rule refused the command (insufficient funds, self-transfer, balance limit), or the Idempotency-Key was used with another request',
  500: 'Unexpected error; quote the correlation id',
  503: 'A dependency is unavailable',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const correlationHeader = {
  'X-Correlation-Id': { description: 'The request correlation id (echoed, or generated)', schema: { type: 'string' } },
} as const;

function problemResponse(status: ErrorStatus, description: string = ERROR_DESCRIPTIONS[status]): ResponseConfig {
  return {
    description,
    headers: correlationHeader,
    content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } },
  };
}

export function jsonOk(
  description: string,
  schema: z.ZodType,
  extraHeaders: Record<string, unknown> = {},
): ResponseConfig {
  return {
    description,
    headers: { ...correlationHeader, ...extraHeaders },
    content: { 'application/json': { schema } },
  };
}

export function errorResponses(statuses: readonly ErrorStatus[]): Record<string, ResponseConfig> {
  return Object.fromEntries(statuses.map((status) => [String(status), problemResponse(status)]));
}

/** The 401 every route behind a bearer token may answer, with its challenge header. */
export function unauthorizedResponse(): Record<string, ResponseConfig> {
  const response = problemResponse(401);
  return {
    401: {
      ...response,
      headers: {
        ...response.headers,
        'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750)', schema: { type: 'string' } },
      },
    },
  };
}
