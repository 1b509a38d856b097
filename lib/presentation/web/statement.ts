import type { StatementEvent } from '../../queries/statements';
import { formatAmount } from '../../commands/banking/money';
import { formatDateTime, formatMoney, formatSignedMoney } from './format';
import { entryAmount } from './history';

/** The ledger keeps one currency (README, limits); statements name it. */
export const STATEMENT_CURRENCY = 'EUR';

export type StatementLine = {
  date: Date;
  version: number;
  description: string;
  amount: number;
  balance: number;
};

export type Statement = {
  account: { id: string; accountNumber: string; accountName: string; ownerName: string };
  /** first day, inclusive, and last day, inclusive (UTC dates, YYYY-MM-DD) */
  from: string;
  to: string;
  opening: number;
  closing: number;
  lines: StatementLine[];
  currency: string;
  generatedAt: Date;
};

function describe(event: StatementEvent): string {
  if (event.type === 'AccountCreated') return event.data.description;
  const { description, counterpartyAccountNumber: other } = event.data;
  if (!other) return description;
  const direction = event.type === 'MoneyDeposited' ? 'from' : 'to';
  return description ? `${description} (${direction} ${other})` : `Transfer ${direction} ${other}`;
}

/** Lines with a running balance from the opening balance; closing = opening + Σ amounts. */
export function buildStatement(
  input: Omit<Statement, 'lines' | 'closing' | 'currency' | 'generatedAt'> & {
    events: readonly StatementEvent[];
    generatedAt?: Date;
  },
): Statement {
  let balance = input.opening;
  const lines = input.events.map((event) => {
    const amount = entryAmount(event) ?? 0;
    balance += amount;
    return { date: event.occurredAt, version: event.version, description: describe(event), amount, balance };
  });
  return {
    account: input.account,
    from: input.from,
    to: input.to,
    opening: input.opening,
    closing: balance,
    lines,
    currency: STATEMENT_CURRENCY,
    generatedAt: input.generatedAt ?? new Date(),
  };
}

function csvField(value: string): string {
  // Quoted always; text starting with = + - @ is prefixed with ' so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

/** RFC 4180 CSV (CRLF), plain decimal amounts (no grouping) with the currency in its own column. */
export function statementCsv(statement: Statement): string {
  const rows: string[][] = [
    ['Account number', statement.account.accountNumber],
    ['Account name', statement.account.accountName],
    ['Owner', statement.account.ownerName],
    ['Period', `${statement.from} to ${statement.to} (UTC)`],
    ['Currency', statement.currency],
    ['Opening balance', formatAmount(statement.opening)],
    ['Closing balance', formatAmount(statement.closing)],
    [],
    ['Date (UTC)', 'Version', 'Description', 'Amount', 'Balance', 'Currency'],
    ...statement.lines.map((line) => [
      line.date.toISOString(),
      String(line.version),
      line.description,
      formatAmount(line.amount),
      formatAmount(line.balance),
      statement.currency,
    ]),
  ];
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

export function money(cents: number, currency: string): string {
  return `${formatMoney(cents)} ${currency}`;
}

export function signedMoney(cents: number, currency: string): string {
  return `${formatSignedMoney(cents)} ${currency}`;
}

// ---- PDF: a small, valid PDF 1.4 written by hand (Helvetica, WinAnsi), A4 portrait, as many pages as needed. ----

const PAGE = { width: 595, height: 842, margin: 50 };
const LINE = 14;

/** Text for a PDF string literal: WinAnsi bytes, with \ ( ) escaped; characters outside Latin-1 become '?'. */
function pdfText(text: string): string {
  let out = '';
  for (const character of text.replace(/\u2014/g, '-').replace(/\u2192/g, '->')) {
    const code = character.codePointAt(0) ?? 63;
    const byte = code < 32 || code > 255 || (code >= 127 && code < 160) ? 63 : code;
    const ch = String.fromCharCode(byte);
    out += ch === '\\' || ch === '(' || ch === ')' ? `\\${ch}` : ch;
  }
  return out;
}

type Cell = { text: string; x: number; align?: 'right'; bold?: boolean; size?: number };

/** Helvetica's average advance is ~0.5 em for digits; good enough to right-align numbers. */
function textWidth(text: string, size: number): number {
  return text.length * size * 0.52;
}

function drawRow(cells: readonly Cell[], y: number): string {
  return cells
    .map((cell) => {
      const size = cell.size ?? 9;
      const x = cell.align === 'right' ? cell.x - textWidth(cell.text, size) : cell.x;
      return `BT /${cell.bold ? 'F2' : 'F1'} ${size} Tf ${x.toFixed(1)} ${y.toFixed(1)} Td (${pdfText(cell.text)}) Tj ET`;
    })
    .join('\n');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function statementPdf(statement: Statement): Buffer {
  const c = statement.currency;
  const header: string[] = [
    drawRow(
      [{ text: 'Ledgerline - account statement', x: PAGE.margin, bold: true, size: 16 }],
      PAGE.height - PAGE.margin,
    ),
    drawRow(
      [
        {
          text: `${statement.account.accountName} (${statement.account.accountNumber}) - ${statement.account.ownerName}`,
          x: PAGE.margin,
          size: 10,
        },
      ],
      PAGE.height - PAGE.margin - 22,
    ),
    drawRow(
      [{ text: `Period ${statement.from} to ${statement.to} (UTC) - amounts in ${c}`, x: PAGE.margin, size: 10 }],
      PAGE.height - PAGE.margin - 36,
    ),
    drawRow(
      [
        { text: `Opening balance: ${money(statement.opening, c)}`, x: PAGE.margin, bold: true, size: 10 },
        {
          text: `Closing balance: ${money(statement.closing, c)}`,
          x: PAGE.width - PAGE.margin,
          align: 'right',
          bold: true,
          size: 10,
        },
      ],
      PAGE.height - PAGE.margin - 56,
    ),
  ];
  const columns = {
    date: PAGE.margin,
    version: PAGE.margin + 118,
    description: PAGE.margin + 150,
    amount: 450,
    balance: PAGE.width - PAGE.margin,
  };
  const tableHead = (y: number) =>
    drawRow(
      [
        { text: 'Date (UTC)', x: columns.date, bold: true },
        { text: 'Ver.', x: columns.version, bold: true },
        { text: 'Description', x: columns.description, bold: true },
        { text: `Amount (${c})`, x: columns.amount, align: 'right', bold: true },
        { text: `Balance (${c})`, x: columns.balance, align: 'right', bold: true },
      ],
      y,
    );
  const pages: string[][] = [];
  let current = [...header, tableHead(PAGE.height - PAGE.margin - 84)];
  let y = PAGE.height - PAGE.margin - 84 - LINE;
  for (const line of statement.lines) {
    if (y < PAGE.margin + LINE) {
      pages.push(current);
      current = [tableHead(PAGE.height - PAGE.margin)];
      y = PAGE.height - PAGE.margin - LINE;
    }
    current.push(
      drawRow(
        [
          { text: formatDateTime(line.date).replace(' UTC', ''), x: columns.date },
          { text: String(line.version), x: columns.version },
          { text: truncate(line.description, 48), x: columns.description },
          { text: formatSignedMoney(line.amount), x: columns.amount, align: 'right' },
          { text: formatMoney(line.balance), x: columns.balance, align: 'right' },
        ],
        y,
      ),
    );
    y -= LINE;
  }
  if (statement.lines.length === 0)
    current.push(drawRow([{ text: 'No transactions in this period.', x: columns.date }], y));
  pages.push(current);
  pages.forEach((content, index) =>
    content.push(
      drawRow(
        [
          {
            text: `Page ${index + 1} of ${pages.length} - generated ${formatDateTime(statement.generatedAt)}`,
            x: PAGE.margin,
            size: 8,
          },
        ],
        PAGE.margin / 2,
      ),
    ),
  );

  // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, then per page: its page object and its content.
  const objects: string[] = [];
  const kids = pages.map((_, index) => `${5 + index * 2} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  for (const [index, content] of pages.entries()) {
    const stream = content.join('\n');
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${6 + index * 2} 0 R >>`,
    );
    objects.push(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
  }
  let body = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
