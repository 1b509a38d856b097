/**
 * Adds up the test summaries of one CI run (test-results/summary/, see scripts/ci/summary.ts) and prints one line per
 * runner, then, as the very last line, the plain line `N passed, M failed` that CI reads
 * (nothing before or after it on that line; the per-runner lines use another shape so that it is the only such line). Exit status 0 when M is 0, else 1.
 *
 * Besides the runners' `*.json` files, the directory may hold `steps.jsonl`, written by .ci/run: one line per step,
 *   {"step":"npm test","status":0,"produces":"jest-"}
 * `produces` is the file-name prefix of the summaries that step's runners write ("" for a step that runs no tests).
 * Nothing is taken on trust, each of these counts as one failure:
 *   - a summary file that is not valid JSON or lacks the runner name or whole `passed`/`failed` counts;
 *   - a step expected to write summaries that left none (a runner crashed before reporting, or never reported);
 *   - a step that failed while its summaries report no failure (e.g. typecheck, lint, an install, or a runner that
 *     exited non-zero after reporting only passes): the failed step itself is the one failure;
 *   - a corrupt line of steps.jsonl, and a directory with no summaries and no steps at all (nothing ran).
 * Steps that pass and run no tests (typecheck, lint, the template check) add nothing to the counts.
 *
 * Usage: tsx scripts/ci/summarize.ts [directory]   (default: test-results/summary)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SUMMARY_DIR, type RunnerSummary } from './summary';

export const STEPS_FILE = 'steps.jsonl';

export type Tally = { runner: string; passed: number; failed: number; problem?: string; note?: string };
export type Totals = { passed: number; failed: number; tallies: Tally[] };
type Step = { step: string; status: number; produces: string };

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The summary in `text`, or why it is not one. */
export function parseSummary(text: string): RunnerSummary | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const { runner, passed, failed, note } = value as Record<string, unknown>;
  if (typeof runner !== 'string' || runner === '') return 'no runner name';
  if (!isCount(passed) || !isCount(failed)) return '"passed" and "failed" must be whole numbers ≥ 0';
  return { runner, passed, failed, ...(typeof note === 'string' ? { note } : {}) };
}

function parseStep(line: string): Step | undefined {
  try {
    const { step, status, produces } = JSON.parse(line) as Record<string, unknown>;
    if (typeof step !== 'string' || !Number.isInteger(status) || typeof produces !== 'string') return undefined;
    return { step, status: status as number, produces };
  } catch {
    return undefined;
  }
}

export function summarize(dir: string): Totals {
  const tallies: (Tally & { file: string })[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
  for (const file of files.sort()) {
    const parsed = parseSummary(readFileSync(path.join(dir, file), 'utf8'));
    if (typeof parsed === 'string') {
      tallies.push({ file, runner: file, passed: 0, failed: 1, problem: `corrupt summary ${file}: ${parsed}` });
    } else {
      tallies.push({ file, ...parsed });
    }
  }
  const stepsFile = path.join(dir, STEPS_FILE);
  const lines = existsSync(stepsFile)
    ? readFileSync(stepsFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
    : [];
  const extra: Tally[] = [];
  for (const line of lines) {
    const step = parseStep(line);
    if (!step) {
      extra.push({ runner: STEPS_FILE, passed: 0, failed: 1, problem: `corrupt step line: ${line}` });
      continue;
    }
    const own = step.produces ? tallies.filter((tally) => tally.file.startsWith(step.produces)) : [];
    if (step.produces && own.length === 0) {
      const how = step.status === 0 ? 'passed' : `failed (exit status ${step.status})`;
      extra.push({
        runner: `step ${step.step}`,
        passed: 0,
        failed: 1,
        problem: `step "${step.step}" ${how} but wrote no ${step.produces}*.json summary`,
      });
    } else if (step.status !== 0 && own.every((tally) => tally.failed === 0)) {
      extra.push({
        runner: `step ${step.step}`,
        passed: 0,
        failed: 1,
        problem: `step "${step.step}" failed (exit status ${step.status})`,
      });
    }
  }
  if (tallies.length === 0 && lines.length === 0) {
    extra.push({ runner: dir, passed: 0, failed: 1, problem: `no test summaries in ${dir}: nothing ran` });
  }
  const all: Tally[] = [...tallies.map(({ file: _file, ...tally }) => tally), ...extra];
  return {
    passed: all.reduce((sum, tally) => sum + tally.passed, 0),
    failed: all.reduce((sum, tally) => sum + tally.failed, 0),
    tallies: all,
  };
}

export function totalsLine(totals: Pick<Totals, 'passed' | 'failed'>): string {
  return `${totals.passed} passed, ${totals.failed} failed`;
}

/** The report: one line per runner or problem, the totals line last. */
export function report(totals: Totals): string[] {
  return [
    ...totals.tallies.map((tally) =>
      tally.problem
        ? `  ${tally.problem}: counted as 1 failure`
        : `  ${tally.runner}: passed ${tally.passed}, failed ${tally.failed}${tally.note ? ` (${tally.note})` : ''}`,
    ),
    totalsLine(totals),
  ];
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? SUMMARY_DIR);
  const totals = summarize(dir);
  console.log(report(totals).join('\n'));
  process.exitCode = totals.failed > 0 ? 1 : 0;
}
