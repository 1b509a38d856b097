import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countJUnit, writeSummary } from './summary';

describe('writeSummary', () => {
  it('given a runner when written then <runner>.json holds the counts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'summary-'));
    try {
      const file = writeSummary({ runner: 'jest-pooled', passed: 3, failed: 1 }, path.join(dir, 'nested'));
      expect(path.basename(file)).toBe('jest-pooled.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ runner: 'jest-pooled', passed: 3, failed: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a runner name that is not a plain file name when written then it is refused', () => {
    expect(() => writeSummary({ runner: '../x', passed: 0, failed: 0 }, tmpdir())).toThrow(/invalid runner name/);
  });
});

describe('countJUnit', () => {
  it('given a schemathesis-style report when counted then failures and errors fail, skipped ones do not pass', () => {
    const xml = `<?xml version="1.0" ?>
<testsuites disabled="0" errors="1" failures="1" tests="5" time="3.2">
  <testsuite name="schemathesis" tests="5" failures="1" errors="1" skipped="1">
    <testcase name="GET /health" time="0.1"/>
    <testcase name="POST /api/accounts" time="1.0">
      <failure type="failure" message="Server error"><![CDATA[1. Test Case ID: abc <testcase> text]]></failure>
    </testcase>
    <testcase name="GET /api/accounts/{id}" time="0.5"></testcase>
    <testcase name="GET /api/reports/status" time="0.1"><error type="error" message="timeout">x</error></testcase>
    <testcase name="GET /swagger" time="0"><skipped type="skipped" message="no examples"/></testcase>
  </testsuite>
</testsuites>`;
    expect(countJUnit(xml)).toEqual({ passed: 2, failed: 2, skipped: 1 });
  });

  it('given an empty report when counted then there is nothing', () => {
    expect(countJUnit('<testsuites/>')).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });
});
