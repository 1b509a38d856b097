import type { HttpEvent } from '../http/request';

/**
 * Headers announcing the next page: `X-Next-Cursor` and an RFC 8288 `Link: <...>; rel="next"` built from the
 * request's path and its other query parameters (offset dropped: the cursor replaces it).
 */
export function nextPageHeaders(event: HttpEvent, cursor: string | null): Record<string, string> {
  if (cursor === null) return {};
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && name !== 'offset' && name !== 'cursor') params.set(name, value);
  }
  params.set('cursor', cursor);
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '';
  return { 'X-Next-Cursor': cursor, Link: `<${path}?${params.toString()}>; rel="next"` };
}
