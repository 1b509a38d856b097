import type { z } from 'zod';

/** Messages per form field, in the API's words (the same zod schemas validate both). */
export type FieldErrors = Record<string, string[]>;

export type FormValues = Record<string, string>;

export type FormCheck<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export const AMOUNT_FORMAT_MESSAGE = 'Enter the amount as a number, for example 1234.56';
/** The API's own words for a third decimal (amountSchema), so that a form and a JSON client read the same. */
export const AMOUNT_DECIMALS_MESSAGE = 'Amount must have at most 2 decimal places';

export type AmountText = { ok: true; value: number | undefined } | { ok: false; message: string };

// The one way a form amount is read: digits, either plain (1234) or grouped in threes by commas (1,234 — the first
// group 1 to 3 digits, not starting with 0), then optionally a dot and 1 or 2 decimals. A '-' is read so that the
// API can say "must not be negative" instead of "not a number".
const PLAIN = /^\d+$/;
const GROUPED = /^[1-9]\d{0,2}(?:,\d{3})+$/;
const DECIMALS = /^\d{1,2}$/;
// Separators people type that this reader does not take: spaces of every width, underscores, apostrophes.
const OTHER_SEPARATORS = /[\s_'\u2019]/u;

/**
 * A form's amount text → the number a JSON client would send, read one unambiguous way (see PLAIN and GROUPED);
 * blank → undefined (the API's "required" message). Anything else is refused with a message saying what to type:
 * '5,00' is not read as 500 nor as 5, '1 000' is not read at all. The value is exact: at most 2 decimals and, when
 * within the largest amount, at most 12 significant digits, which a double holds exactly.
 */
export function amountFromText(text: string | undefined): AmountText {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const negative = trimmed.startsWith('-');
  const unsigned = negative ? trimmed.slice(1) : trimmed;
  const sign = negative ? '-' : '';
  const refused = (message: string): AmountText => ({ ok: false, message });

  const dot = unsigned.indexOf('.');
  const units = dot === -1 ? unsigned : unsigned.slice(0, dot);
  const decimals = dot === -1 ? undefined : unsigned.slice(dot + 1);
  const unitsOk = PLAIN.test(units) || GROUPED.test(units);
  if (unitsOk && decimals === undefined) return { ok: true, value: Number(sign + units.replaceAll(',', '')) };
  if (unitsOk && decimals !== undefined && DECIMALS.test(decimals)) {
    return { ok: true, value: Number(`${sign}${units.replaceAll(',', '')}.${decimals}`) };
  }
  return refused(explainAmount(sign, unsigned, units, decimals, unitsOk));
}

/** Why an amount text was not read, and what to type instead. */
function explainAmount(
  sign: string,
  unsigned: string,
  units: string,
  decimals: string | undefined,
  unitsOk: boolean,
): string {
  const cents = (digits: string) => digits.padEnd(2, '0');
  // A decimal comma, as in 5,00 or 1.234,5 (dots or nothing between thousands).
  const decimalComma = /^(\d{1,3}(?:\.\d{3})+|\d+),(\d{1,2})$/.exec(unsigned);
  if (decimalComma?.[1] !== undefined && decimalComma[2] !== undefined) {
    return `Use a dot for cents: ${sign}${decimalComma[1].replaceAll('.', '')}.${cents(decimalComma[2])}`;
  }
  if (unitsOk && decimals !== undefined) {
    if (decimals === '') return `Put the cents after the dot, or leave the dot out: ${sign}${units}.00`;
    if (/^\d+$/.test(decimals)) return AMOUNT_DECIMALS_MESSAGE;
  }
  if (units === '' && decimals !== undefined && DECIMALS.test(decimals)) {
    return `Put a digit before the dot: ${sign}0.${cents(decimals)}`;
  }
  const validDecimals = decimals === undefined || DECIMALS.test(decimals);
  if (OTHER_SEPARATORS.test(units) && validDecimals) {
    const withCommas = units.replace(new RegExp(`${OTHER_SEPARATORS.source}+`, 'gu'), ',');
    if (GROUPED.test(withCommas)) {
      const fraction = decimals === undefined ? '' : `.${cents(decimals)}`;
      return `Use commas between thousands, or nothing: ${sign}${withCommas}${fraction}`;
    }
  }
  if (/^[\d,]+$/.test(units) && units.includes(',') && validDecimals) {
    return 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out';
  }
  return AMOUNT_FORMAT_MESSAGE;
}

export function addError(errors: FieldErrors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

/**
 * Validates form values with an API request schema. `amountFields` are converted from text to numbers first (as a
 * JSON client would send them); other fields are passed as strings, blank optional ones as undefined.
 */
export function checkForm<S extends z.ZodType>(
  schema: S,
  values: FormValues,
  options: { fields: readonly string[]; amountFields?: readonly string[] },
): FormCheck<z.output<S>> {
  const errors: FieldErrors = {};
  const input: Record<string, unknown> = {};
  for (const field of options.fields) {
    const text = values[field];
    if (options.amountFields?.includes(field)) {
      const amount = amountFromText(text);
      if (amount.ok) input[field] = amount.value;
      else addError(errors, field, amount.message);
    } else {
      input[field] = text === undefined || text === '' ? undefined : text;
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length > 0 ? String(issue.path[0]) : 'form';
      if (errors[field]) continue; // already explained (e.g. not a number)
      addError(errors, field, issue.message);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}

/** Values to echo back into a re-rendered form (only the named fields, as typed). */
export function pickValues(fields: Map<string, string>, names: readonly string[]): FormValues {
  const values: FormValues = {};
  for (const name of names) {
    const value = fields.get(name);
    if (value !== undefined) values[name] = value;
  }
  return values;
}
