import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { buildOpenApiDocument, ERROR_DESCRIPTIONS, PROBLEM_MEDIA_TYPE } from './openapi';

type Operation = {
  operationId?: string;
  requestBody?: { content: Record<string, unknown> };
  parameters?: Array<{ in: string; name: string }>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The httpApi routes of serverless.yml that belong to the JSON API (not pages, docs or assets). */
function apiRoutesInServerlessYml(): Array<{ method: string; path: string }> {
  const config = parse(readFileSync(path.resolve(__dirname, '../../../serverless.yml'), 'utf8'), {
    logLevel: 'error',
  }) as {
    functions: Record<string, { events?: Array<{ httpApi?: { method: string; path: string } | string }> }>;
  };
  return Object.values(config.functions)
    .flatMap((fn) => fn.events ?? [])
    .flatMap((event) => (event.httpApi && typeof event.httpApi === 'object' ? [event.httpApi] : []))
    .filter((route) => route.path.startsWith('/api/') || route.path === '/health')
    .map((route) => ({ method: route.method.toLowerCase(), path: route.path }));
}

function operations(
  doc: ReturnType<typeof buildOpenApiDocument>,
): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths ?? {}).flatMap(([route, item]) =>
    METHODS.flatMap((method) => {
      const op = (item as Record<string, Operation | undefined>)[method];
      return op ? [{ method, path: route, op }] : [];
    }),
  );
}

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument();

  it('given the generated document when validated then it is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('given serverless.yml when compared then every API route is documented and nothing else is', () => {
    const declared = apiRoutesInServerlessYml()
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    const documented = operations(doc)
      .map((entry) => `${entry.method} ${entry.path}`)
      .sort();
    expect(declared.length).toBeGreaterThanOrEqual(10);
    expect(documented).toEqual(declared);
  });

  it('given any operation when inspected then it has an id, a 2xx answer and a 500 problem', () => {
    for (const { op, method, path: route } of operations(doc)) {
      expect({ route, method, id: typeof op.operationId }).toEqual({ route, method, id: 'string' });
      expect(Object.keys(op.responses).some((status) => status.startsWith('2'))).toBe(true);
      expect(op.responses['500']).toBeDefined();
    }
  });

  it('given every error response when inspected then it is problem+json with the Problem schema', () => {
    for (const { op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || status === '503') continue;
        expect(Object.keys(response.content ?? {})).toEqual([PROBLEM_MEDIA_TYPE]);
        expect(response.content?.[PROBLEM_MEDIA_TYPE]?.schema?.$ref).toBe('#/components/schemas/Problem');
      }
    }
  });

  it('given a command route when inspected then body, size, media type, business and not-found errors are documented', () => {
    const commands = operations(doc).filter((entry) => entry.method === 'post');
    expect(commands.map((entry) => entry.path).sort()).toEqual([
      '/api/accounts',
      '/api/accounts/{id}/deposit',
      '/api/accounts/{id}/transfer',
      '/api/accounts/{id}/withdraw',
    ]);
    for (const { op, path: route } of commands) {
      expect(Object.keys(op.requestBody?.content ?? {})).toEqual(['application/json']);
      const expected = ['400', '409', '413', '415', '422', '500', ...(route.includes('{id}') ? ['404'] : [])];
      for (const status of expected)
        expect({ route, status, documented: Boolean(op.responses[status]) }).toMatchObject({ documented: true });
      expect(op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')).toBe(true);
    }
  });

  it('given a route with an id in its path when inspected then unknown ids are a documented 404', () => {
    for (const { op, path: route } of operations(doc).filter((entry) => entry.path.includes('{'))) {
      expect({ route, has404: Boolean(op.responses['404']) }).toEqual({ route, has404: true });
    }
  });

  it("given the amounts when documented then the request schemas are the handlers' (required fields, limits)", () => {
    const open = (
      doc.paths?.['/api/accounts'] as {
        post: {
          requestBody: {
            content: {
              'application/json': {
                schema: { required: string[]; properties: Record<string, { pattern?: string; maxLength?: number }> };
              };
            };
          };
        };
      }
    ).post.requestBody.content['application/json'].schema;
    expect(open.required.sort()).toEqual(['accountName', 'accountNumber', 'initialBalance', 'ownerName']);
    expect(open.properties.accountNumber?.pattern).toBe('^[A-Za-z0-9-]{1,34}$');
    expect(open.properties.ownerName?.maxLength).toBe(100);
    expect(Object.keys(ERROR_DESCRIPTIONS)).toEqual(
      expect.arrayContaining(['400', '404', '409', '413', '415', '422', '500']),
    );
  });
});
