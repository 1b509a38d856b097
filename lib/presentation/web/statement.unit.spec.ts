import type { StatementEvent } from '../../queries/statements';
import { buildStatement, statementCsv, statementPdf } from './statement';

const account = { id: 'a', accountNumber: 'ACC-1', accountName: 'Savings', ownerName: '=HYPERLINK("x")' };
const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, s));
const events: StatementEvent[] = [
  {
    type: 'MoneyDeposited',
    data: { amount: 25_050, description: 'Salary' },
    version: 4,
    eventId: 'e4',
    occurredAt: at(1),
  },
  {
    type: 'MoneyWithdrawn',
    data: { amount: 10_000, description: '', transferId: 't', counterpartyAccountNumber: 'ACC-2' },
    version: 5,
    eventId: 'e5',
    occurredAt: at(2),
  },
];

function statement(lines = events) {
  return buildStatement({
    account,
    from: '2026-12-01',
    to: '2026-12-31',
    opening: 100_000,
    events: lines,
    generatedAt: at(3),
  });
}

describe('statements', () => {
  it('given an opening balance and two movements then each line carries the balance after it and closing = opening + Σ', () => {
    const built = statement();
    expect(built.lines.map((line) => [line.amount, line.balance, line.description])).toEqual([
      [25_050, 125_050, 'Salary'],
      [-10_000, 115_050, 'Transfer to ACC-2'],
    ]);
    expect(built.closing).toBe(115_050);
  });

  it('given the statement as CSV then the balances and amounts are plain decimals with the currency, formulas defused', () => {
    const csv = statementCsv(statement());
    expect(csv).toContain('"Opening balance","1000.00"\r\n"Closing balance","1150.50"\r\n');
    expect(csv).toContain('"2026-12-01T09:00:02.000Z","5","Transfer to ACC-2","-100.00","1150.50","EUR"\r\n');
    expect(csv).toContain(`"Owner","'=HYPERLINK(""x"")"`);
  });

  it('given the statement as PDF then it is a PDF whose cross-reference table points at every object', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ ...events[0]!, version: 10 + i, eventId: `m${i}` }));
    const pdf = statementPdf(statement(many)).toString('latin1');
    expect(pdf.startsWith('%PDF-1.4\n')).toBe(true);
    expect(pdf.endsWith('%%EOF\n')).toBe(true);
    const xrefAt = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.slice(xrefAt, xrefAt + 4)).toBe('xref');
    const entries = [...pdf.slice(xrefAt).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    entries.forEach((offset, index) => expect(pdf.slice(offset).startsWith(`${index + 1} 0 obj\n`)).toBe(true));
    expect(pdf).toMatch(/\/Count 3 >>/);
    expect(pdf).toContain('(Opening balance: 1,000.00 EUR) Tj');
    expect(pdf).toContain('(Closing balance: 31,060.00 EUR) Tj');
    for (const match of pdf.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
      const start = (match.index ?? 0) + match[0].length;
      expect(pdf.slice(start + Number(match[1]), start + Number(match[1]) + 10)).toBe('\nendstream');
    }
  });
});
