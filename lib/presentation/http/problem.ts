import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** One entry of a 400's `errors` member: `field` is the body path ("amount") or the query parameter ("asOf"). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Problem type URIs are relative references under /problems/ (RFC 9457 §3.1.1 allows them); the slug is stable API.
 * Statuses without a specific meaning use the status phrase as title.
 */
export const PROBLEM_TYPE_BASE = '/problems/';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemInit {
  /** Slug appended to PROBLEM_TYPE_BASE, e.g. 'validation-error'. */
  type: string;
  detail: string;
  title?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** An error that already knows its HTTP answer. Anything else thrown in a handler becomes a 500. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, init: ProblemInit) {
    super(init.detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.type = PROBLEM_TYPE_BASE + init.type;
    this.title = init.title ?? TITLES[status] ?? 'Error';
    this.errors = init.errors;
    this.headers = init.headers ?? {};
  }
}

export function validationProblem(errors: FieldError[], detail = 'The request is invalid.'): HttpProblem {
  return new HttpProblem(400, { type: 'validation-error', title: 'Validation failed', detail, errors });
}

export function problemResponse(
  problem: HttpProblem,
  context: { instance: string; correlationId: string },
): APIGatewayProxyStructuredResultV2 {
  const body = {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    instance: context.instance,
    correlationId: context.correlationId,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  return {
    statusCode: problem.status,
    headers: { ...problem.headers, 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(body),
  };
}
