/** A small fetch client for end-to-end specs against a running API (serverless-offline or a deployed stage). */
export interface HttpAnswer {
  status: number;
  /** Header names lowercased. */
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded with Content-Type: application/json. */
  body?: unknown;
  timeoutMs?: number;
}

export interface StackUser {
  username: string;
  groups?: Array<'tellers' | 'admins'>;
}

/** An access token for `user` from the stack's local issuer (POST /local/token), as a client gets one. */
export async function localToken(baseUrl: string, user: StackUser, expiresIn?: number): Promise<string> {
  const response = await fetch(new URL('/local/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...user, ...(expiresIn === undefined ? {} : { expiresIn }) }),
    signal: AbortSignal.timeout(15_000),
  });
  if (response.status !== 200)
    throw new Error(`POST /local/token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** `as`: the user every request is made as (a token from the stack's issuer, fetched once); none: anonymous. */
export function httpClient(baseUrl: string, as?: StackUser) {
  let token: Promise<string> | undefined;
  async function request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const url = new URL(path, baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = {};
    if (as) headers.authorization = `Bearer ${await (token ??= localToken(baseUrl, as))}`;
    Object.assign(headers, options.headers);
    let body: string | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string') body = options.body;
      else {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), text, body: parsed };
  }

  return {
    request,
    get: (path: string, options?: RequestOptions) => request('GET', path, options),
    post: (path: string, body: unknown, options?: RequestOptions) => request('POST', path, { ...options, body }),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;
