/**
 * A jest reporter (registered in jest.config.ts through jest-summary-reporter.cjs): at the end of every jest run it
 * writes test-results/summary/jest-<profile>.json for CI's totals line (scripts/ci/summary.ts), the profile being
 * TEST_PROFILE when set (the pooled run) or "direct". It works however jest is invoked (npm test, npx jest <path>).
 */
import { writeSummary } from '../../scripts/ci/summary';

type SuiteResult = { numFailingTests: number; testExecError?: unknown; failureMessage?: string | null };

/** The parts of jest's AggregatedResult counted here. */
export type RunResults = {
  numPassedTests: number;
  numFailedTests: number;
  testResults: SuiteResult[];
  runExecError?: unknown;
  wasInterrupted?: boolean;
  snapshot?: { failure?: boolean };
};

/**
 * Passed tests, and failures: failed tests, plus one for every suite that failed without a failing test (it did not
 * load, or a beforeAll/afterAll hook threw), plus one for a run that broke, was interrupted or failed its snapshots.
 */
export function jestCounts(results: RunResults): { passed: number; failed: number } {
  const brokenSuites = results.testResults.filter(
    (suite) => suite.numFailingTests === 0 && Boolean(suite.testExecError || suite.failureMessage),
  ).length;
  const runFailures = [results.runExecError, results.wasInterrupted, results.snapshot?.failure].filter(Boolean).length;
  return { passed: results.numPassedTests, failed: results.numFailedTests + brokenSuites + runFailures };
}

export default class JestSummaryReporter {
  onRunComplete(_contexts: unknown, results: RunResults): void {
    const profile = process.env.TEST_PROFILE || 'direct';
    const counts = jestCounts(results);
    writeSummary({ runner: `jest-${profile}`, ...counts, note: `${results.testResults.length} test suites` });
  }
}
