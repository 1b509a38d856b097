import { jsonNumberSources } from './json-numbers';
import { HttpProblem } from './problem';
import { getHeader, getRequestState, type HttpEvent, type HttpMiddleware } from './request';

export const MAX_BODY_BYTES = 64 * 1024;

/** Size of the body as sent: base64 bodies (binary media types, some proxies) count their decoded bytes. */
export function bodyBytes(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): number {
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

// application/json or a structured +json type, any parameters, case-insensitive like every media type.
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/i;

export interface MediaType {
  /** type/subtype, lower case. */
  essence: string;
  /** Parameter names lower case; values unquoted, as sent. */
  parameters: Map<string, string>;
}

/** `type/subtype; name=value; name="quoted value"` (RFC 9110 §8.3.1); the first value of a repeated name counts. */
export function parseMediaType(value: string): MediaType {
  const [essence = '', ...rest] = value.split(';');
  const parameters = new Map<string, string>();
  for (const parameter of rest) {
    const at = parameter.indexOf('=');
    if (at <= 0) continue;
    const name = parameter.slice(0, at).trim().toLowerCase();
    let text = parameter.slice(at + 1).trim();
    if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
      text = text.slice(1, -1).replace(/\\(.)/g, '$1');
    if (!parameters.has(name)) parameters.set(name, text);
  }
  return { essence: essence.trim().toLowerCase(), parameters };
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(parseMediaType(contentType).essence);
}

/** UTF-8 is the only charset a body may declare (JSON is UTF-8, RFC 8259 §8.1); no charset means UTF-8. */
export function declaredCharsetIsUtf8(contentType: string | undefined): boolean {
  const charset = contentType === undefined ? undefined : parseMediaType(contentType).parameters.get('charset');
  return charset === undefined || /^utf-?8$/i.test(charset);
}

export function requireJsonContentType(): HttpMiddleware {
  return {
    before: ({ event }) => {
      const contentType = getHeader(event, 'content-type');
      if (!isJsonContentType(contentType)) {
        throw new HttpProblem(415, {
          type: 'unsupported-media-type',
          detail: 'The request body must be JSON, sent with Content-Type: application/json.',
        });
      }
      if (!declaredCharsetIsUtf8(contentType)) {
        throw new HttpProblem(415, {
          type: 'unsupported-media-type',
          detail: `The request body must be UTF-8 JSON; charset=${parseMediaType(contentType ?? '').parameters.get('charset') ?? ''} is not supported.`,
        });
      }
    },
  };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function invalidUtf8(): HttpProblem {
  return new HttpProblem(400, {
    type: 'invalid-utf8',
    detail: 'The request body is not valid UTF-8.',
  });
}

/**
 * The body's text, decoded strictly as UTF-8: a base64 body (binary media types, some proxies) from its bytes, a
 * text body as given. Invalid UTF-8 is refused, never replaced: a text body holding U+FFFD, the character a gateway
 * puts where bytes were not UTF-8 (serverless-offline does), is refused too (a client that means the character
 * writes it as \ufffd). A leading byte order mark is dropped, as RFC 8259 §8.1 allows.
 */
export function decodeBodyText(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): string {
  const given: unknown = event.body ?? '';
  // serverless-offline hands a JSON body of `false` or `0` over as a boolean or number (see bodyLimit).
  const body = typeof given === 'string' ? given : JSON.stringify(given);
  let text: string;
  if (event.isBase64Encoded) {
    try {
      text = UTF8.decode(Buffer.from(body, 'base64'));
    } catch {
      throw invalidUtf8();
    }
  } else {
    if (!body.isWellFormed()) throw invalidUtf8();
    text = body.startsWith('\uFEFF') ? body.slice(1) : body;
  }
  if (text.includes('\uFFFD')) throw invalidUtf8();
  return text;
}

/**
 * Decodes (decodeBodyText) and parses the JSON body after our own content-type check; malformed or missing JSON is a
 * 400. The parsed value is kept in the request state for the idempotency fingerprint, with the source text of each
 * of its numbers for the amount checks (./json-numbers.ts).
 */
export function parseJsonBody(): HttpMiddleware {
  return {
    before: ({ event }) => {
      // serverless-offline sends an empty body as null, which JSON.parse would happily read as `null`.
      if (event.body === undefined || event.body === null || event.body === '') {
        throw new HttpProblem(400, { type: 'malformed-json', detail: 'A JSON request body is required.' });
      }
      const text = decodeBodyText(event);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new HttpProblem(400, { type: 'malformed-json', detail: 'The request body is not valid JSON.' });
      }
      if (exceedsDepth(json, MAX_JSON_DEPTH)) {
        throw new HttpProblem(400, {
          type: 'malformed-json',
          detail: `The request body is nested more than ${MAX_JSON_DEPTH} levels deep.`,
        });
      }
      const state = getRequestState(event);
      if (state) {
        state.json = json;
        state.numberSources = jsonNumberSources(text);
      }
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
