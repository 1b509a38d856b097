import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSummary, report, STEPS_FILE, summarize } from './summarize';
import { writeSummary } from './summary';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'summarize-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const steps = (...lines: { step: string; status: number; produces: string }[]) =>
  writeFileSync(path.join(dir, STEPS_FILE), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));

describe('summarize', () => {
  it('given several runner summaries when summarized then passes and failures are summed over all of them', () => {
    writeSummary({ runner: 'jest-direct', passed: 660, failed: 0 }, dir);
    writeSummary({ runner: 'jest-pooled', passed: 655, failed: 0 }, dir);
    writeSummary({ runner: 'fuzz', passed: 11, failed: 0, note: 'API operations' }, dir);
    const totals = summarize(dir);
    expect(totals).toMatchObject({ passed: 1326, failed: 0 });
    expect(report(totals)).toEqual([
      '  fuzz: passed 11, failed 0 (API operations)',
      '  jest-direct: passed 660, failed 0',
      '  jest-pooled: passed 655, failed 0',
      '1326 passed, 0 failed',
    ]);
  });

  it('given a runner with failures when summarized then M is above zero', () => {
    writeSummary({ runner: 'jest-direct', passed: 650, failed: 3 }, dir);
    writeSummary({ runner: 'fuzz', passed: 11, failed: 0 }, dir);
    expect(summarize(dir)).toMatchObject({ passed: 661, failed: 3 });
  });

  it('given a corrupt or incomplete summary when summarized then each counts as one failure', () => {
    writeSummary({ runner: 'jest-direct', passed: 10, failed: 0 }, dir);
    writeFileSync(path.join(dir, 'fuzz.json'), '{"runner":"fuzz","passed":11,');
    writeFileSync(path.join(dir, 'jest-pooled.json'), JSON.stringify({ runner: 'jest-pooled', passed: -1, failed: 0 }));
    const totals = summarize(dir);
    expect(totals).toMatchObject({ passed: 10, failed: 2 });
    expect(report(totals).at(-1)).toBe('10 passed, 2 failed');
    expect(report(totals).join('\n')).toMatch(/corrupt summary fuzz\.json: not valid JSON/);
  });

  it('given a step expected to write a summary when none is there then the missing summary counts as a failure', () => {
    writeSummary({ runner: 'jest-direct', passed: 10, failed: 0 }, dir);
    steps({ step: 'npm test', status: 0, produces: 'jest-' }, { step: 'fuzz', status: 0, produces: 'fuzz' });
    const totals = summarize(dir);
    expect(totals).toMatchObject({ passed: 10, failed: 1 });
    expect(report(totals).join('\n')).toMatch(/step "fuzz" passed but wrote no fuzz\*\.json summary/);
  });

  it('given a failed step whose runner already reports failures when summarized then they are not counted twice', () => {
    writeSummary({ runner: 'jest-direct', passed: 10, failed: 2 }, dir);
    steps({ step: 'npm test', status: 1, produces: 'jest-' });
    expect(summarize(dir)).toMatchObject({ passed: 10, failed: 2 });
  });

  it('given a failed step with no failure in its summaries when summarized then the step counts as one failure', () => {
    writeSummary({ runner: 'jest-direct', passed: 10, failed: 0 }, dir);
    steps(
      { step: 'lint', status: 1, produces: '' },
      { step: 'typecheck', status: 0, produces: '' },
      { step: 'npm test', status: 1, produces: 'jest-' },
    );
    const totals = summarize(dir);
    expect(totals).toMatchObject({ passed: 10, failed: 2 });
    expect(report(totals).slice(1, 3)).toEqual([
      '  step "lint" failed (exit status 1): counted as 1 failure',
      '  step "npm test" failed (exit status 1): counted as 1 failure',
    ]);
  });

  it('given an install that failed before any test ran when summarized then the line still reports the failure', () => {
    steps({ step: 'npm ci', status: 1, produces: '' });
    expect(report(summarize(dir)).at(-1)).toBe('0 passed, 1 failed');
  });

  it('given an empty or missing directory when summarized then nothing ran, which is a failure', () => {
    expect(summarize(dir)).toMatchObject({ passed: 0, failed: 1 });
    expect(summarize(path.join(dir, 'none'))).toMatchObject({ passed: 0, failed: 1 });
  });

  it('given a corrupt step line when summarized then it counts as one failure', () => {
    writeSummary({ runner: 'jest-direct', passed: 1, failed: 0 }, dir);
    writeFileSync(path.join(dir, STEPS_FILE), '{"step":"npm test","status":\n');
    expect(summarize(dir)).toMatchObject({ passed: 1, failed: 1 });
  });

  it('given any report when printed then the plain totals line is the only line of that shape, and the last', () => {
    writeSummary({ runner: 'jest-direct', passed: 10, failed: 1 }, dir);
    writeSummary({ runner: 'fuzz', passed: 3, failed: 0, note: 'API operations' }, dir);
    steps({ step: 'lint', status: 1, produces: '' });
    const lines = report(summarize(dir));
    expect(lines.filter((line) => /^\d+ passed, \d+ failed$/.test(line))).toEqual(['13 passed, 2 failed']);
    expect(lines.at(-1)).toBe('13 passed, 2 failed');
    expect(lines.filter((line) => /\d+ passed, \d+ failed/.test(line))).toHaveLength(1);
  });
});

describe('parseSummary', () => {
  it.each([
    ['[]', 'no runner name'],
    ['null', 'not a JSON object'],
    ['{"runner":"x","passed":1.5,"failed":0}', '"passed" and "failed" must be whole numbers ≥ 0'],
    ['{"runner":"x","passed":1}', '"passed" and "failed" must be whole numbers ≥ 0'],
  ])('given %s when parsed then it is refused (%s)', (text, why) => {
    expect(parseSummary(text)).toBe(why);
  });
});
