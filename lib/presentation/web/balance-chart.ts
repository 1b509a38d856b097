import { formatDateTime, formatMoney } from './format';
import { html, type SafeHtml } from './html';

export type BalancePoint = { version: number; timestamp: Date; balance: number };

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 8, right: 8, top: 12, bottom: 12 };

/**
 * The balance over time as a server-rendered SVG step line (no script), one evenly spaced step per event (events
 * often come seconds apart, then days: by time they would clump). Described in
 * text for screen readers (its title and the first/last/lowest/highest balances below it).
 */
export function balanceChart(points: readonly BalancePoint[]): SafeHtml {
  if (points.length === 0) return html`<p class="muted">No events yet.</p>`;
  const first = points[0] as BalancePoint;
  const last = points.at(-1) as BalancePoint;
  const balances = points.map((point) => point.balance);
  const low = Math.min(0, ...balances);
  const high = Math.max(...balances, low + 1);
  const x = (index: number) => PAD.left + (index / Math.max(1, points.length - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (balance: number) => PAD.top + (1 - (balance - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const steps: string[] = [];
  points.forEach((point, index) => {
    const px = x(index).toFixed(1);
    if (index > 0) steps.push(`${px},${y((points[index - 1] as BalancePoint).balance).toFixed(1)}`);
    steps.push(`${px},${y(point.balance).toFixed(1)}`);
  });
  const zero = y(0).toFixed(1);
  const lowest = Math.min(...balances);
  const highest = Math.max(...balances);
  return html`<figure class="chart">
    <svg
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="100%"
      role="img"
      aria-labelledby="chart-title"
      focusable="false"
      preserveAspectRatio="none"
    >
      <title id="chart-title">
        Balance from ${formatMoney(first.balance)} (version ${first.version}) to ${formatMoney(last.balance)} (version
        ${last.version})
      </title>
      <line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${zero}" y2="${zero}" stroke="#aab3bf" stroke-width="1" />
      <polyline
        points="${steps.join(' ')}"
        fill="none"
        stroke="#1f4e8c"
        stroke-width="2"
        vector-effect="non-scaling-stroke"
      />
      ${points.map(
        (point, index) =>
          html`<circle cx="${x(index).toFixed(1)}" cy="${y(point.balance).toFixed(1)}" r="2.5" fill="#1f4e8c">
            <title>Version ${point.version}: ${formatMoney(point.balance)}, ${formatDateTime(point.timestamp)}</title>
          </circle>`,
      )}
    </svg>
    <figcaption class="muted">
      ${formatDateTime(first.timestamp)} → ${formatDateTime(last.timestamp)} · lowest ${formatMoney(lowest)} · highest
      ${formatMoney(highest)} · ${points.length} event${points.length === 1 ? '' : 's'}
    </figcaption>
  </figure>`;
}
