import { getPool } from '../../lib/platform/db/pool';
import { getRebuildRun } from '../../lib/projections/rebuild-runs';
import { startRebuild } from '../../lib/projections/start-rebuild';
import { signedInPage } from '../../lib/presentation/web/auth';
import { rebuildFlashCookie, takeRebuildFlash } from '../../lib/presentation/web/flash';
import { htmlResponse, parseForm, redirect, type WebEvent } from '../../lib/presentation/web/http';
import { rebuildRunPage, rebuildRunPath } from '../../lib/presentation/web/pages/rebuild';
import { badForm, csrfValid, forbiddenForm, isCrossSitePost, notFound } from '../../lib/presentation/web/session';
import { isUuid } from '../../lib/platform/uuid';

const OPS = '/ops';

/**
 * Admins only. POST /ops/rebuilds (the form on /ops) → records a rebuild run and starts the rebuild function on it,
 * then 303 to the run's page; while a run is unfinished, 303 to that one instead (a one-time notice says so).
 * GET /ops/rebuilds/{id} → the run's phase and progress, refreshing itself while it is unfinished.
 */
export const handler = signedInPage(async (event, _correlationId, caller) => {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? 'GET';
  if (method === 'POST' && !event.pathParameters?.id) return requestRebuild(event, caller.username);
  if (method === 'GET') return showRun(event);
  return notFound();
}, 'admins');

async function requestRebuild(event: WebEvent, requestedBy: string) {
  // A post a browser marks as cross-site is refused before its body is read.
  if (isCrossSitePost(event)) return forbiddenForm(OPS);
  const form = parseForm(event);
  if (!form.ok) return badForm(form.status, form.reason, OPS);
  if (!(await csrfValid(event, form.fields))) return forbiddenForm(OPS);
  const { run, created } = await startRebuild(getPool(), requestedBy);
  return redirect(rebuildRunPath(run.id), [
    rebuildFlashCookie(event, { runId: run.id, outcome: created ? 'started' : 'already-running' }),
  ]);
}

async function showRun(event: WebEvent) {
  const id = event.pathParameters?.id;
  if (!id || !isUuid(id)) return notFound();
  const run = await getRebuildRun(getPool(), id.toLowerCase());
  if (!run) return notFound();
  const { flash, cookies } = takeRebuildFlash(event, run.id);
  return htmlResponse(200, rebuildRunPage(run, flash), { cookies });
}
