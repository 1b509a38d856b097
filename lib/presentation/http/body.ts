import jsonBodyParser from '@middy/http-json-body-parser';
import { HttpProblem } from './problem';
import { getHeader, getRequestState, type HttpEvent, type HttpMiddleware } from './request';

export const MAX_BODY_BYTES = 64 * 1024;

/** Size of the body as sent: base64 bodies (binary media types, some proxies) count their decoded bytes. */
export function bodyBytes(event: HttpEvent): number {
  if (event.body === undefined || event.body === null) return 0;
  return Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

/** API Gateway accepts up to 10 MB and serverless-offline passes bigger bodies through, so the limit is ours. */
export function bodyLimit(maxBytes = MAX_BODY_BYTES): HttpMiddleware {
  return {
    before: ({ event }) => {
      // serverless-offline hands a JSON body of `false` or `0` over as a boolean or number, not as text.
      if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') {
        event.body = JSON.stringify(event.body);
      }
      if (bodyBytes(event) > maxBytes) {
        throw new HttpProblem(413, {
          type: 'payload-too-large',
          detail: `The request body must not exceed ${maxBytes} bytes.`,
        });
      }
    },
  };
}

// application/json or a structured +json type, any parameters (charset), case-insensitive like every media type.
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.trim());
}

export function requireJsonContentType(): HttpMiddleware {
  return {
    before: ({ event }) => {
      if (!isJsonContentType(getHeader(event, 'content-type'))) {
        throw new HttpProblem(415, {
          type: 'unsupported-media-type',
          detail: 'The request body must be JSON, sent with Content-Type: application/json.',
        });
      }
    },
  };
}

/**
 * middy's JSON parser, after our own content-type check. It answers malformed or missing JSON with a 415, which is a
 * client syntax error here: 400. The parsed value is kept in the request state for the idempotency fingerprint.
 */
export function parseJsonBody(): HttpMiddleware {
  const parser = jsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof jsonBodyParser>[0]);
  return {
    before: async (request) => {
      // serverless-offline sends an empty body as null, which JSON.parse would happily read as `null`.
      if (request.event.body === undefined || request.event.body === null || request.event.body === '') {
        throw new HttpProblem(400, { type: 'malformed-json', detail: 'A JSON request body is required.' });
      }
      try {
        await parser.before?.(request as never);
      } catch {
        throw new HttpProblem(400, { type: 'malformed-json', detail: 'The request body is not valid JSON.' });
      }
      const json = request.event.body as unknown;
      if (exceedsDepth(json, MAX_JSON_DEPTH)) {
        throw new HttpProblem(400, {
          type: 'malformed-json',
          detail: `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`,
        });
      }
      const state = getRequestState(request.event);
      if (state) state.json = json;
    },
  };
}

/** Our bodies are flat; a deeply nested one would only overflow the stack of recursive code (fingerprinting). */
export const MAX_JSON_DEPTH = 32;

export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
