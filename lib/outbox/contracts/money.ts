import { z } from 'zod';
import { formatAmount } from '../../commands/banking/money';

/**
 * Money on the wire (Kafka integration events, schema version 1): a JSON **string** holding a plain decimal with
 * exactly two fraction digits and an optional leading minus, e.g. "1234.50", "-12.00", "0.00".
 *
 * Why a string and not a JSON number: a number is a binary float in most JSON decoders (JavaScript, many Java and
 * .NET defaults), so "0.1 + 0.2" style noise and silent rounding are possible in any consumer we do not control. A
 * decimal string is exact in every language, keeps the seed's decimal(18,2) meaning (no currency field needed: the
 * ledger has one currency) and is readable in a topic browser. Integer minor units would be exact too, but are easy
 * to misread as whole units by a consumer that skips the documentation.
 *
 * Inside the code every amount is integer cents; these helpers convert exactly, never through a float.
 */
export const WIRE_AMOUNT_PATTERN = /^(-?)(0|[1-9]\d{0,15})\.(\d{2})$/;

/** Cents → wire string ("1234.50"). Throws on a non-safe-integer. */
export function toWireAmount(cents: number): string {
  return formatAmount(cents);
}

/** Wire string → cents, or undefined when the string is not a valid wire amount (or is "-0.00"). */
export function fromWireAmount(value: string): number | undefined {
  const match = WIRE_AMOUNT_PATTERN.exec(value);
  if (!match) return undefined;
  const [, sign, units, fraction] = match;
  const magnitude = Number(units) * 100 + Number(fraction);
  if (!Number.isSafeInteger(magnitude)) return undefined;
  if (sign === '-' && magnitude === 0) return undefined;
  return sign === '-' ? -magnitude : magnitude;
}

/** zod schema for a wire amount; the parsed value is cents (a safe integer). */
export const wireAmountSchema = z.string().transform((value, ctx): number => {
  const cents = fromWireAmount(value);
  if (cents === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a decimal string with exactly 2 decimals, e.g. "12.50"' });
    return z.NEVER;
  }
  return cents;
});
