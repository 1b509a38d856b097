/** The site's one stylesheet, served at /assets/styles.css (kept in a module so esbuild bundles it). */
export const STYLESHEET = `
:root {
  --ink: #1c2430; --muted: #5b6676; --line: #d9dee5; --bg: #f5f7fa; --card: #fff;
  --brand: #1f4e8c; --brand-ink: #fff; --focus: #f0a500;
  --ok: #17643a; --ok-bg: #e3f4ea; --bad: #a2231d; --bad-bg: #fbe7e6; --info-bg: #e7eef8; --warn-bg: #fff4d6;
  --radius: 8px; font-size: 16px;
}
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
a { color: var(--brand); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
header.site { background: var(--brand); color: var(--brand-ink); }
header.site .bar { max-width: 72rem; margin: 0 auto; padding: .75rem 1rem; display: flex; flex-wrap: wrap;
  align-items: center; gap: .5rem 1.5rem; }
header.site .brand { color: var(--brand-ink); font-weight: 700; font-size: 1.2rem; text-decoration: none; }
header.site nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
header.site nav a { color: var(--brand-ink); text-decoration: none; padding: .25rem 0; border-bottom: 2px solid transparent; }
header.site nav a:hover, header.site nav a[aria-current="page"] { border-bottom-color: var(--brand-ink); }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
footer.site { max-width: 72rem; margin: 0 auto; padding: 1rem; color: var(--muted); font-size: .875rem;
  border-top: 1px solid var(--line); }
h1 { font-size: 1.75rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 0 0 .75rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
p.lead { color: var(--muted); margin-top: -.5rem; }
.muted { color: var(--muted); }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.25rem;
  margin-bottom: 1.25rem; }
.grid { display: grid; gap: 1.25rem; margin-bottom: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); }
.grid > .card { margin-bottom: 0; }
.grid.stats { grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
.balance-card { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 1rem; align-items: center; }
.balance-card .amount { font-size: 2.25rem; font-weight: 700; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
.table-wrap { overflow-x: auto; outline-offset: 2px; border: 1px solid var(--line); border-radius: var(--radius); margin-bottom: 1rem; }
th, td { text-align: left; padding: .55rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #eef1f5; font-size: .875rem; color: var(--muted); font-weight: 600; }
tbody tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.credit { color: var(--ok); } td.debit { color: var(--bad); }
td.wrap { overflow-wrap: anywhere; max-width: 24rem; }
caption { text-align: left; padding: .5rem .75rem; color: var(--muted); caption-side: top; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 600;
  white-space: nowrap; }
.badge.created { background: var(--info-bg); color: var(--brand); }
.badge.deposited { background: var(--ok-bg); color: var(--ok); }
.badge.withdrawn { background: var(--bad-bg); color: var(--bad); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.warn { background: var(--warn-bg); color: #7a5200; }
form .field { margin-bottom: .9rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.optional { color: var(--muted); font-weight: 400; font-size: .85rem; }
.hint { display: block; color: var(--muted); font-size: .85rem; font-weight: 400; }
input[type=text], input[type=number], select { width: 100%; padding: .5rem .6rem; font: inherit; color: inherit;
  border: 1px solid #aab3bf; border-radius: 6px; background: #fff; }
input[aria-invalid="true"], select[aria-invalid="true"] { border-color: var(--bad); border-width: 2px; }
.field-error { display: block; color: var(--bad); font-size: .9rem; margin-top: .25rem; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1.1rem; border-radius: 6px;
  border: 1px solid var(--brand); background: var(--brand); color: var(--brand-ink); cursor: pointer;
  text-decoration: none; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
.notice { padding: .75rem 1rem; border-radius: var(--radius); margin-bottom: 1.25rem; border: 1px solid; }
.notice.success { background: var(--ok-bg); border-color: #9fd4b3; }
.notice.error { background: var(--bad-bg); border-color: #efb1ad; }
.notice.info { background: var(--info-bg); border-color: #b7c9e6; }
.notice ul { margin: .25rem 0 0; padding-left: 1.25rem; }
nav.pager { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.stat { font-size: 1.75rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; }
@media (max-width: 40rem) { .balance-card .amount { font-size: 1.75rem; } th, td { padding: .45rem .5rem; } }
.freshness { display: flex; flex-wrap: wrap; gap: .25rem .6rem; align-items: baseline; margin: -.25rem 0 1rem; }
.notice:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.chart { margin: 0 0 1rem; } .chart svg { display: block; height: 11rem; background: #fbfcfd;
  border: 1px solid var(--line); border-radius: 6px; }
.inline-form { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.inline-form .field { margin-bottom: 0; flex: 1 1 16rem; }
input[type=datetime-local], input[type=date], input[type=search] { width: 100%; padding: .5rem .6rem; font: inherit;
  color: inherit; border: 1px solid #aab3bf; border-radius: 6px; background: #fff; }
th a { color: inherit; } th a[aria-sort], th[aria-sort] a { font-weight: 700; }
tfoot td, tfoot th { font-weight: 700; border-top: 2px solid var(--line); border-bottom: 0; }
pre.json { background: #f3f5f8; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; margin: 0; }
/* Phone: a table row becomes a small card; its lead cell and its amount share the first line, the rest are labelled. */
@media (max-width: 37.5rem) {
  table.stack, table.stack tbody, table.stack tfoot { display: block; }
  table.stack caption { display: block; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
    white-space: nowrap; }
  table.stack tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: .1rem .75rem; padding: .6rem .75rem;
    border-bottom: 1px solid var(--line); }
  table.stack tbody tr:last-child { border-bottom: 0; }
  table.stack td, table.stack th { display: block; border: 0; padding: 0; max-width: none; text-align: left; }
  table.stack td.lead { order: -2; flex: 1 1 0; min-width: 0; font-weight: 600; overflow-wrap: anywhere; }
  table.stack td.amount { order: -1; margin-left: auto; font-weight: 700; text-align: right; }
  table.stack td:not(.lead):not(.amount) { flex-basis: 100%; font-size: .875rem; }
  table.stack td[data-label]:not(.lead):not(.amount)::before { content: attr(data-label) ": "; color: var(--muted); }
  table.stack td:empty { display: none; }
}
`;
