import { html, type HtmlValue, type SafeHtml } from './html';

export type Section = 'home' | 'open' | 'balances' | 'explorer' | 'ops' | 'api' | 'signout' | 'none';

const NAV: ReadonlyArray<{ section: Section; href: string; label: string }> = [
  { section: 'home', href: '/', label: 'Home' },
  { section: 'open', href: '/accounts/new', label: 'Open an account' },
  { section: 'balances', href: '/reports/balances', label: 'Balances' },
  { section: 'explorer', href: '/explorer', label: 'Events' },
  { section: 'ops', href: '/ops', label: 'Operations' },
  { section: 'api', href: '/swagger', label: 'API' },
  { section: 'signout', href: '/signout', label: 'Sign out' },
];

export type Notice = { kind: 'success' | 'error' | 'info'; message: HtmlValue };

export function layout(page: {
  title: string;
  section: Section;
  body: SafeHtml;
  notice?: Notice | undefined;
  /** extra head elements (the freshness script of the report pages) */
  head?: SafeHtml | undefined;
}): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · Ledgerline</title>
        <link rel="stylesheet" href="/assets/styles.css" />
        ${page.head ?? ''}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <div class="bar">
            <a class="brand" href="/">Ledgerline</a>
            <nav aria-label="Main">
              <ul>
                ${NAV.map(
                  (item) =>
                    html`<li>
                      <a href="${item.href}" ${item.section === page.section ? html` aria-current="page"` : ''}
                        >${item.label}</a
                      >
                    </li>`,
                )}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1">${page.notice ? noticeBox(page.notice) : ''} ${page.body}</main>
        <footer class="site">
          Ledgerline · event-sourced accounts · amounts in the account currency · times in UTC
        </footer>
      </body>
    </html> `;
}

export function noticeBox(notice: Notice): SafeHtml {
  const role = notice.kind === 'error' ? 'alert' : 'status';
  return html`<div class="notice ${notice.kind}" role="${role}">${notice.message}</div>`;
}

export function errorPage(correlationId: string): SafeHtml {
  return layout({
    title: 'Something went wrong',
    section: 'none',
    body: html`<h1>Something went wrong</h1>
      <div class="card">
        <p>The page could not be shown. Please try again in a moment.</p>
        <p class="muted">Reference: <span class="mono">${correlationId}</span></p>
        <p><a href="/">Back to the home page</a></p>
      </div>`,
  });
}

export function notFoundPage(): SafeHtml {
  return layout({
    title: 'Page not found',
    section: 'none',
    body: html`<h1>Page not found</h1>
      <div class="card">
        <p>There is no page at this address.</p>
        <p class="actions">
          <a class="button" href="/">Home</a><a class="button secondary" href="/reports/balances">Balances</a>
        </p>
      </div>`,
  });
}
