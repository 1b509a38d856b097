import type { Outcome } from '../../commands/accounts/types';
import { jsonResponse } from './json';
import { REPLAYED_HEADER } from './idempotency';
import type { HttpResult } from './request';

/** The JSON response to a command; a replay answers the same status and body, marked with Idempotent-Replayed. */
export function commandResponse(
  outcome: Outcome<unknown>,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return jsonResponse(statusCode, body, outcome.replayed ? { ...headers, [REPLAYED_HEADER]: 'true' } : headers);
}
