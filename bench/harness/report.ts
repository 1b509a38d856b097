import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineFacts } from './machine';
import type { Summary } from './stats';

export interface Target {
  /** Human-readable, e.g. "≥ 75 % of pgbench". */
  text: string;
  pass: boolean;
}

export interface Row {
  scenario: number;
  measurement: string;
  unit: string;
  /** Median/min/max over the rounds; absent for a single figure or a scenario that did not run. */
  summary?: Summary;
  /** A single figure (e.g. a count) when there are no rounds to summarise. */
  value?: number;
  target?: Target;
  note?: string;
  /** Set when this measurement could not be taken: the reason. */
  notRun?: string;
}

export const SCENARIO_TITLES: Record<number, string> = {
  1: 'Append ceiling (vs pgbench)',
  2: 'Against Emmett 0.42',
  3: 'Account load with snapshots',
  4: 'Pipeline (HTTP → event store → relay → Kafka → projector → read model)',
  5: 'Rebuild of the read models',
  6: 'Cold start, one zip per function (what `npm run package` deploys)',
  7: 'Pooled (PgBouncer, transaction mode) vs direct',
  8: 'Deposits under report load (32 readers of maximum-size pages)',
};

export interface BenchReport {
  generatedAt: string;
  durationSeconds: number;
  machine: MachineFacts;
  settings: Record<string, unknown>;
  rows: Row[];
  notes: string[];
}

export function formatNumber(value: number, unit: string): string {
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === '%') return `${value.toFixed(1)} %`;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function cells(row: Row): string[] {
  const title = row.measurement;
  if (row.notRun) return [title, 'not run', '', '', '', row.notRun];
  const unit = row.unit === '×' || row.unit === '%' ? '' : row.unit;
  const median = row.summary
    ? formatNumber(row.summary.median, row.unit)
    : row.value !== undefined
      ? formatNumber(row.value, row.unit)
      : '';
  const range = row.summary
    ? `${formatNumber(row.summary.min, row.unit)} – ${formatNumber(row.summary.max, row.unit)}`
    : '';
  const target = row.target ? row.target.text : '';
  const result = row.target ? (row.target.pass ? 'pass' : 'MISS') : (row.note ?? '');
  const extra = row.target && row.note ? `${result}; ${row.note}` : result;
  return [title, median, range, unit, target, extra];
}

/** A Markdown table (paste-able into the README), grouped by scenario. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['Measurement', 'Median', 'Min – max', 'Unit', 'Target', 'Result'];
  const body: string[][] = [];
  const scenarios = [...new Set(rows.map((row) => row.scenario))].sort((a, b) => a - b);
  for (const scenario of scenarios) {
    body.push([`**${scenario}. ${SCENARIO_TITLES[scenario] ?? ''}**`, '', '', '', '', '']);
    for (const row of rows.filter((r) => r.scenario === scenario)) body.push(cells(row));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const numeric = new Set([1, 2]);
  const line = (values: string[]) =>
    `| ${values.map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

export function renderHeader(machine: MachineFacts, settings: Record<string, unknown>): string {
  const lines = [
    `Ledgerline benchmark — ${machine.date}`,
    `CPU: ${machine.cpuModel} × ${machine.cores} cores · memory ${machine.memoryGiB} GiB · ${machine.os}`,
    `Node ${machine.node} · PostgreSQL ${machine.postgres} (${machine.postgresSource}; ${machine.postgresSettings}) · ` +
      `Kafka ${machine.kafka} (${machine.kafkaSource})`,
    `pgbench ${machine.pgbench} · Emmett ${machine.emmett} · commit ${machine.commit}`,
    `Settings: ${Object.entries(settings)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('/') : String(value)}`)
      .join(' ')}`,
    'Medians over rounds (min – max); comparisons interleaved in the same run.',
  ];
  return lines.join('\n');
}

export function writeReport(report: BenchReport, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
