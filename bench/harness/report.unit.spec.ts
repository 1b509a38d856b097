import { formatNumber, renderTable, type Row } from './report';

describe('bench report', () => {
  it('given figures of every size, when formatted, then integers and large rates get separators and ratios a ×', () => {
    expect(formatNumber(12_345.6, 'appends/s')).toBe('12,346');
    expect(formatNumber(6_000, 'commands')).toBe('6,000');
    expect(formatNumber(123.4, 'ms')).toBe('123');
    expect(formatNumber(12.34, 'ms')).toBe('12.3');
    expect(formatNumber(1.234, 'ms')).toBe('1.23');
    expect(formatNumber(0.456, 'ms')).toBe('0.46');
    expect(formatNumber(2.5, '×')).toBe('2.50×');
    expect(formatNumber(0.35, '%')).toBe('0.3 %');
  });

  it('given measured, missed and not-run rows, when rendered, then one Markdown table groups them by scenario', () => {
    const rows: Row[] = [
      {
        scenario: 2,
        measurement: 'Ratio',
        unit: '×',
        summary: { median: 2.5, min: 2, max: 3, samples: [2, 2.5, 3] },
        target: { text: '≥ 2×', pass: true },
      },
      {
        scenario: 1,
        measurement: 'Append',
        unit: 'appends/s',
        summary: { median: 10, min: 10, max: 10, samples: [10] },
      },
      { scenario: 4, measurement: 'pipeline', unit: '', notRun: 'not run: no server' },
      { scenario: 3, measurement: 'Load', unit: 'ms', value: 3, target: { text: '< 1 ms', pass: false } },
    ];

    const lines = renderTable(rows).split('\n');

    expect(lines[0]).toMatch(/^\| Measurement +\| +Median \| +Min – max \| Unit +\| Target +\| Result +\|$/);
    expect(lines.filter((line) => line.includes('**')).map((line) => line.match(/\*\*(\d)\./)?.[1])).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(lines.find((line) => line.includes('Ratio'))).toMatch(/2\.50× \| 2\.00× – 3\.00× \| +\| ≥ 2× +\| pass/);
    expect(lines.find((line) => line.includes('Load'))).toContain('MISS');
    expect(lines.find((line) => line.includes('pipeline'))).toContain('not run: no server');
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});
