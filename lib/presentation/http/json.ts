import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { formatAmount, type Cents } from '../../commands/banking/money';

/** Marks an amount of cents in a response body; rendered as a JSON number with exactly 2 decimals (`100.00`). */
export class Money {
  constructor(readonly cents: Cents) {}
}

export function money(cents: Cents): Money {
  return new Money(cents);
}

/**
 * JSON.stringify cannot emit `100.00` (numbers lose trailing zeros), so each Money becomes a placeholder string that
 * is swapped for the formatted number afterwards. The per-call random nonce means no client-supplied string (an
 * account name, a description) can ever look like a placeholder.
 */
export function renderJson(value: unknown): string {
  const nonce = randomBytes(8).toString('hex');
  const amounts: string[] = [];
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (!(item instanceof Money)) return item;
    amounts.push(formatAmount(item.cents));
    return `money:${nonce}:${amounts.length - 1}`;
  });
  if (amounts.length === 0) return text;
  const placeholder = new RegExp(`"money:${nonce}:(\\d+)"`, 'g');
  return text.replace(placeholder, (_match, index: string) => amounts[Number(index)] ?? 'null');
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...headers, 'Content-Type': 'application/json' }, body: renderJson(body) };
}
