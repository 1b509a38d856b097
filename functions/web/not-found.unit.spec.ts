import { apiEvent, invoke } from '../../lib/presentation/http/testing';
import { handler } from './not-found';

describe('catch-all route', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/api/accounts/x/close'],
    ['DELETE', '/api/accounts'],
  ])('given %s %s when no route matches then 404 problem+json', async (method, path) => {
    const response = await invoke(
      handler,
      apiEvent({ method, path, routeKey: '$default', headers: { 'x-correlation-id': 'nf-1' } }),
    );
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['x-correlation-id']).toBe('nf-1');
    expect(response.body).toEqual({
      type: '/problems/route-not-found',
      title: 'Not Found',
      status: 404,
      detail: `No route matches ${method} ${path}.`,
      instance: path,
      correlationId: 'nf-1',
    });
  });
});

describe('catch-all route for browsers', () => {
  const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  it('given a browser GET of an unknown page when no route matches then an HTML 404 page', async () => {
    const response = await invoke(
      handler,
      apiEvent({ method: 'GET', path: '/no/such/page', routeKey: '$default', headers: { accept: browserAccept } }),
    );
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<h1>Page not found</h1>');
    expect(response.headers['x-correlation-id']).toBeDefined();
  });

  it.each([
    ['GET', '/api/nope', browserAccept],
    ['POST', '/nope', browserAccept],
    ['GET', '/nope', 'application/json'],
    ['GET', '/nope', '*/*'],
  ])('given %s %s accepting %s when no route matches then problem+json', async (method, path, accept) => {
    const response = await invoke(handler, apiEvent({ method, path, routeKey: '$default', headers: { accept } }));
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
  });
});
