import { jestCounts, type RunResults } from './jest-summary';

const run = (overrides: Partial<RunResults>): RunResults => ({
  numPassedTests: 0,
  numFailedTests: 0,
  testResults: [],
  ...overrides,
});

describe('jestCounts', () => {
  it('given passing and failing tests when counted then they are taken as they are', () => {
    const results = run({
      numPassedTests: 7,
      numFailedTests: 2,
      testResults: [{ numFailingTests: 2, failureMessage: '2 failed' }, { numFailingTests: 0 }],
    });
    expect(jestCounts(results)).toEqual({ passed: 7, failed: 2 });
  });

  it('given suites that failed to run (no test failed in them) when counted then each is one failure', () => {
    const results = run({
      numPassedTests: 3,
      testResults: [
        { numFailingTests: 0, testExecError: { message: 'Cannot find module' } },
        { numFailingTests: 0, failureMessage: 'afterAll threw', testExecError: undefined },
        { numFailingTests: 0, failureMessage: null },
      ],
    });
    expect(jestCounts(results)).toEqual({ passed: 3, failed: 2 });
  });

  it('given a run that broke or was interrupted when counted then that is a failure too', () => {
    expect(jestCounts(run({ numPassedTests: 5, runExecError: { message: 'boom' } }))).toEqual({ passed: 5, failed: 1 });
    expect(jestCounts(run({ wasInterrupted: true, snapshot: { failure: true } }))).toEqual({ passed: 0, failed: 2 });
  });
});
