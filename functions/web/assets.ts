import { FRESHNESS_SCRIPT } from '../../lib/presentation/web/freshness';
import { STYLESHEET } from '../../lib/presentation/web/styles';
import { textAsset, withRequestLog } from '../../lib/presentation/web/http';

const ASSETS: Readonly<Record<string, { body: string; type: string }>> = {
  'styles.css': { body: STYLESHEET, type: 'text/css; charset=utf-8' },
  'freshness.js': { body: FRESHNESS_SCRIPT, type: 'text/javascript; charset=utf-8' },
};

/** GET /assets/{file+} → the site's static assets (bundled into the function, no file system reads). */
export const handler = withRequestLog(async (event) => {
  const asset = Object.hasOwn(ASSETS, event.pathParameters?.file ?? '')
    ? ASSETS[event.pathParameters?.file ?? '']
    : undefined;
  if (!asset) {
    return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  }
  return textAsset(asset.body, asset.type);
});
