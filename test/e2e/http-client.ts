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

export function httpClient(baseUrl: string) {
  async function request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const url = new URL(path, baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { ...options.headers };
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
