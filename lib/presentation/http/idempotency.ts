import { createHash } from 'node:crypto';
import { HttpProblem } from './problem';
import { getHeader, getRequestState, requestMethod, requestPath, type HttpMiddleware } from './request';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** JSON with object keys sorted at every level, so that key order and whitespace do not change a fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Identifies "the same request" for a retried Idempotency-Key: method, path and the parsed body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** Reads an optional Idempotency-Key (1..255 printable ASCII characters) and fingerprints the parsed body. */
export function idempotencyKey(): HttpMiddleware {
  return {
    before: ({ event }) => {
      const key = getHeader(event, IDEMPOTENCY_HEADER);
      if (key === undefined) return;
      if (!KEY_PATTERN.test(key)) {
        throw new HttpProblem(400, {
          type: 'validation-error',
          title: 'Validation failed',
          detail: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.',
          errors: [{ field: IDEMPOTENCY_HEADER, message: 'Must be 1 to 255 printable ASCII characters' }],
        });
      }
      const state = getRequestState(event);
      if (!state) return;
      state.idempotency = {
        key,
        fingerprint: requestFingerprint(requestMethod(event), requestPath(event), state.json),
      };
    },
  };
}
