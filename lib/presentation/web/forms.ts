import type { z } from 'zod';

/** Messages per form field, in the API's words (the same zod schemas validate both). */
export type FieldErrors = Record<string, string[]>;

export type FormValues = Record<string, string>;

export type FormCheck<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;
export const AMOUNT_FORMAT_MESSAGE = 'Enter the amount as a number, for example 1234.56';

/**
 * A form's amount text → what the JSON API would receive: a number. Thousands separators (',', spaces) are
 * tolerated; blank → undefined (the API's "required" message); anything else is not a number at all.
 */
export function amountFromText(text: string | undefined): { ok: true; value: number | undefined } | { ok: false } {
  const compact = (text ?? '').replace(/[\s,_]/g, '');
  if (compact === '') return { ok: true, value: undefined };
  if (!NUMBER_TEXT.test(compact)) return { ok: false };
  return { ok: true, value: Number(compact) };
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
      else addError(errors, field, AMOUNT_FORMAT_MESSAGE);
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
