import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { html } from '../../lib/presentation/web/html';
import { lowerCaseHeaders, withRequestLog, type WebEvent } from '../../lib/presentation/web/http';

/**
 * GET /swagger → Swagger UI for /openapi.json; GET /swagger/{file+} → its assets, read from the swagger-ui-dist
 * package (marked external for esbuild, so it ships in node_modules) — never from a CDN.
 */

// absolute-path.js alone: the package's index would load the 1.7 MB browser bundle into the function.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const getAbsoluteFSPath = require('swagger-ui-dist/absolute-path.js') as () => string;

const DIST_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// Our own initializer (the package's points at the petstore): a file, so the page needs no inline script.
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    validatorUrl: null,
    tryItOutEnabled: true,
  });
});
`;

// Swagger UI sets style attributes and loads its images as data: URIs; it calls only our own origin.
const SWAGGER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const PAGE = html`<!doctype html>
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>API · Ledgerline</title>
      <link rel="stylesheet" href="/swagger/swagger-ui.css" />
      <link rel="stylesheet" href="/swagger/index.css" />
      <link rel="icon" type="image/png" href="/swagger/favicon-32x32.png" sizes="32x32" />
    </head>
    <body>
      <p style="margin:0;padding:.5rem 1rem;font-family:system-ui,sans-serif">
        <a href="/">← Ledgerline</a> · <a href="/openapi.json">openapi.json</a>
      </p>
      <div id="swagger-ui"></div>
      <script src="/swagger/swagger-ui-bundle.js"></script>
      <script src="/swagger/swagger-ui-standalone-preset.js"></script>
      <script src="/swagger/swagger-initializer.js"></script>
    </body>
  </html> `.value;

type Asset = { body: Buffer; gzipped: Buffer; type: string };
const cache = new Map<string, Asset>();

function loadAsset(file: string): Asset | undefined {
  const cached = cache.get(file);
  if (cached) return cached;
  let body: Buffer;
  let type: string;
  if (file === 'swagger-initializer.js') {
    body = Buffer.from(INITIALIZER, 'utf8');
    type = 'text/javascript; charset=utf-8';
  } else {
    const known = Object.hasOwn(DIST_FILES, file) ? DIST_FILES[file] : undefined;
    if (!known) return undefined;
    body = readFileSync(path.join(getAbsoluteFSPath(), file));
    type = known;
  }
  const asset = { body, gzipped: gzipSync(body), type };
  cache.set(file, asset);
  return asset;
}

function acceptsGzip(event: WebEvent): boolean {
  return /\bgzip\b/i.test(lowerCaseHeaders(event)['accept-encoding'] ?? '');
}

const COMMON = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' } as const;

export const handler = withRequestLog(async (event) => {
  const file = event.pathParameters?.file;
  if (file === undefined) {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': SWAGGER_CSP,
        'x-frame-options': 'DENY',
        ...COMMON,
      },
      body: PAGE,
    };
  }
  const asset = loadAsset(file);
  if (!asset)
    return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...COMMON }, body: 'Not found' };
  const textual = !asset.type.startsWith('image/');
  const gzip = textual && acceptsGzip(event);
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.type,
      'cache-control': 'public, max-age=3600',
      vary: 'Accept-Encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      ...COMMON,
    },
    isBase64Encoded: gzip || !textual,
    body: gzip
      ? asset.gzipped.toString('base64')
      : textual
        ? asset.body.toString('utf8')
        : asset.body.toString('base64'),
  };
});
