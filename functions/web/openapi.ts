import { getOpenApiDocument } from '../../lib/presentation/api/openapi';
import { httpHandler } from '../../lib/presentation/http/handler';
import { jsonResponse } from '../../lib/presentation/http/json';

/** GET /openapi.json → the OpenAPI 3.1 document of the JSON API (generated from the handlers' zod schemas). */
export const handler = httpHandler({ access: 'public' }, async () =>
  jsonResponse(200, getOpenApiDocument(), { 'Cache-Control': 'public, max-age=60' }),
);
