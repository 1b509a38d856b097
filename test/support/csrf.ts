import { randomBytes } from 'node:crypto';
import { resetCsrfForTests } from '../../lib/presentation/web/csrf';

/** The spec file's own CSRF key for the form handlers (WEB_CSRF_SECRET), the previous one put back after it. */
export function useTestCsrfSecret(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.WEB_CSRF_SECRET;
    process.env.WEB_CSRF_SECRET = randomBytes(32).toString('hex');
    resetCsrfForTests();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.WEB_CSRF_SECRET;
    else process.env.WEB_CSRF_SECRET = saved;
    resetCsrfForTests();
  });
}
