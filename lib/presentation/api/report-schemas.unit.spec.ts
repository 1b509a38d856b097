import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { buildOpenApiDocument } from './openapi';
import { reportRoutes } from './report-routes';
import { DEFAULT_REPORT_LIMIT, MAX_REPORT_LIMIT } from './report-schemas';

/** The routes whose answer is a list of rows, with their query schema. */
function rowReports(): Array<{ route: RouteConfig; query: z.ZodType | undefined }> {
  return reportRoutes()
    .filter((route) => {
      const ok = route.responses[200] as { content?: Record<string, { schema?: unknown }> } | undefined;
      return ok?.content?.['application/json']?.schema instanceof z.ZodArray;
    })
    .map((route) => ({ route, query: route.request?.query }));
}

describe('report page sizes', () => {
  it('given the report routes, then every one that returns rows is paged', () => {
    expect(rowReports().map(({ route }) => route.path)).toEqual([
      '/api/reports/balances',
      '/api/reports/transactions/{accountId}',
    ]);
    expect(rowReports().filter(({ query }) => query === undefined)).toEqual([]);
  });

  it.each(rowReports().map(({ route, query }) => [route.path, query!] as const))(
    'given %s, when asked for more than MAX_REPORT_LIMIT rows, then refused; MAX_REPORT_LIMIT itself is served, and no limit is the default page',
    (_path, query) => {
      expect(query.safeParse({ limit: String(MAX_REPORT_LIMIT) })).toMatchObject({
        success: true,
        data: { limit: MAX_REPORT_LIMIT },
      });
      expect(query.safeParse({ limit: String(MAX_REPORT_LIMIT + 1) }).success).toBe(false);
      expect(query.safeParse({ limit: '99999999999' }).success).toBe(false);
      expect(query.safeParse({})).toMatchObject({ success: true, data: { limit: DEFAULT_REPORT_LIMIT } });
    },
  );

  it('given the OpenAPI document, then each paged report states the page size limit', () => {
    const document = buildOpenApiDocument() as unknown as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; description?: string }> } }>;
    };
    for (const { route } of rowReports()) {
      const limit = document.paths[route.path]?.get?.parameters?.find((parameter) => parameter.name === 'limit');
      expect(limit?.description).toBe(`Rows per page, 1 to ${MAX_REPORT_LIMIT} (default ${DEFAULT_REPORT_LIMIT})`);
    }
  });
});
