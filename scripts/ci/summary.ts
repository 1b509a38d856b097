/**
 * The per-runner test summaries that CI adds up (.ci/run, then scripts/ci/summarize.ts): every test runner writes one
 * small JSON file into test-results/summary/, named after the runner, e.g. jest-direct.json:
 *   {"runner":"jest-direct","passed":660,"failed":0}
 * `note` is free text for people (what was counted); the summarizer only adds up `passed` and `failed`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SUMMARY_DIR = path.resolve(__dirname, '../../test-results/summary');

export type RunnerSummary = { runner: string; passed: number; failed: number; note?: string };

const RUNNER_NAME = /^[A-Za-z0-9][\w.-]*$/;

/** Writes `<dir>/<runner>.json` (replacing an earlier one of the same runner) and returns its path. */
export function writeSummary(summary: RunnerSummary, dir: string = SUMMARY_DIR): string {
  if (!RUNNER_NAME.test(summary.runner)) throw new Error(`invalid runner name: ${JSON.stringify(summary.runner)}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${summary.runner}.json`);
  writeFileSync(file, `${JSON.stringify(summary)}\n`);
  return file;
}

/** Counts the test cases of a JUnit XML report: failed when it holds a <failure> or an <error>, else skipped or passed. */
export function countJUnit(xml: string): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const match of xml.matchAll(/<testcase\b(?:[^>"']|"[^"]*"|'[^']*')*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[1] ?? '';
    if (/<(?:failure|error)\b/.test(body)) counts.failed += 1;
    else if (/<skipped\b/.test(body)) counts.skipped += 1;
    else counts.passed += 1;
  }
  return counts;
}
