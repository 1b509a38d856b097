import { z } from 'zod';

/** Money inside the domain: integer minor units (cents), always a safe integer. */
export type Cents = number;

/** Largest single amount (deposit, withdrawal, transfer, initial balance): 1,000,000,000.00. */
export const MAX_AMOUNT_CENTS: Cents = 100_000_000_000;

/**
 * Largest balance an account may hold: 1,000,000,000,000.00 (1,000 × MAX_AMOUNT).
 * Far below Number.MAX_SAFE_INTEGER (~9.0e15 cents), so sums of many balances stay exact,
 * and it fits the read model's decimal(18,2).
 */
export const MAX_BALANCE_CENTS: Cents = 100_000_000_000_000;

export class InvalidAmountError extends Error {
  constructor(
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`Invalid amount ${String(value)}: ${reason}`);
    this.name = 'InvalidAmountError';
  }
}

// String(n) gives the shortest decimal that round-trips to n, so binary noise (0.1 + 0.2),
// exponent forms (1e21, 1e-7) and a minus sign all fail this pattern instead of being rounded away.
const PLAIN_DECIMAL = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

type Checked = { ok: true; cents: Cents } | { ok: false; reason: string };

function checkAmount(value: number): Checked {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ok: false, reason: 'must be a finite number' };
  }
  if (value < 0) return { ok: false, reason: 'must not be negative' };
  const match = PLAIN_DECIMAL.exec(String(value));
  if (!match) return { ok: false, reason: 'must have at most 2 decimal places' };
  const units = Number(match[1]);
  if (units > MAX_AMOUNT_CENTS / 100) return tooLarge();
  const cents = units * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents > MAX_AMOUNT_CENTS ? tooLarge() : { ok: true, cents };
}

function tooLarge(): Checked {
  return { ok: false, reason: `must not exceed ${formatAmount(MAX_AMOUNT_CENTS)}` };
}

/**
 * Exact conversion of a JSON number with at most 2 decimals, 0 ≤ value ≤ MAX_AMOUNT_CENTS / 100,
 * to cents. Throws InvalidAmountError otherwise (never rounds).
 */
export function parseAmount(value: number): Cents {
  const checked = checkAmount(value);
  if (!checked.ok) throw new InvalidAmountError(value, checked.reason);
  return checked.cents;
}

/** Cents → decimal string with exactly 2 decimals: 123450 → '1234.50', -1200 → '-12.00'. */
export function formatAmount(cents: Cents): string {
  if (!Number.isSafeInteger(cents)) throw new InvalidAmountError(cents, 'cents must be a safe integer');
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const fraction = abs % 100;
  return `${sign}${(abs - fraction) / 100}.${String(fraction).padStart(2, '0')}`;
}

/** True for a value usable as an amount of money inside the domain. */
export function isValidCents(cents: unknown, { allowZero = false } = {}): cents is Cents {
  return (
    typeof cents === 'number' &&
    Number.isSafeInteger(cents) &&
    (allowZero ? cents >= 0 : cents > 0) &&
    cents <= MAX_AMOUNT_CENTS
  );
}

function makeAmountSchema(allowZero: boolean) {
  return (
    z
      .number({
        error: (issue) =>
          issue.input === undefined
            ? 'Amount is required'
            : typeof issue.input === 'number'
              ? 'Amount must be a finite number'
              : 'Amount must be a JSON number (not a string)',
      })
      // Documents the rule in the OpenAPI schema (and lets API fuzzers generate valid amounts); the check below enforces it.
      .meta({
        ...(allowZero ? { minimum: 0 } : { exclusiveMinimum: 0 }),
        maximum: MAX_AMOUNT_CENTS / 100,
        multipleOf: 0.01,
      })
      .superRefine((value, ctx) => {
        const checked = checkAmount(value);
        if (!checked.ok) ctx.addIssue({ code: 'custom', message: `Amount ${checked.reason}` });
        else if (!allowZero && checked.cents === 0) {
          ctx.addIssue({ code: 'custom', message: 'Amount must be greater than 0' });
        }
      })
      .transform((value): Cents => parseAmount(value))
  );
}

/** JSON number > 0 with at most 2 decimals, up to the maximum; outputs cents. Deposit, withdraw, transfer. */
export const amountSchema = makeAmountSchema(false);
/** As amountSchema but 0 is allowed (initialBalance). */
export const nonNegativeAmountSchema = makeAmountSchema(true);

/**
 * How an amount may be written in JSON, judged on the number's source text (a double cannot tell): at most 2
 * decimals (`10.0000000000000001` is refused, not read as 10.00; `10.000` too) and no exponent (`1e2` is refused
 * although it is exactly 100: an amount has one spelling, the one the responses use). undefined when acceptable;
 * the value rules (positive, maximum) are amountSchema's.
 */
export function amountSourceProblem(source: string): string | undefined {
  if (/[eE]/.test(source)) return 'Amount must be written without an exponent, e.g. 100 or 0.05';
  const decimals = /\.(\d*)/.exec(source)?.[1];
  if (decimals !== undefined && decimals.length > 2) return 'Amount must have at most 2 decimal places';
  return undefined;
}

/**
 * Schemas whose JSON numbers are also judged by their source text: the HTTP layer reads each number's text and
 * applies the check registered here for the schema at that place of the body.
 */
export const numberSourceChecks = new WeakMap<z.ZodType, (source: string) => string | undefined>([
  [amountSchema, amountSourceProblem],
  [nonNegativeAmountSchema, amountSourceProblem],
]);

// Control characters (NUL above all: PostgreSQL text cannot hold it) and unpaired UTF-16 surrogates (not Unicode
// text at all) are refused in every free-text field, and so are the bidirectional embedding, override and isolate
// controls (U+202A–U+202E, U+2066–U+2069): invisible, they make a name display as something else ("Trojan Source").
const CONTROL_CHARACTERS = /\p{Cc}/u;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * Free text as stored: trimmed, NFC-normalised (one spelling of "é", so equal names compare equal and lengths count
 * what is stored), within `max` characters, without control characters.
 */
function plainText(schema: z.ZodString, label: string, { min, max }: { min?: number; max: number }): z.ZodString {
  let text = schema.trim().overwrite((value) => (value.isWellFormed() ? value.normalize('NFC') : value));
  if (min !== undefined) text = text.min(min, `${label} must not be empty`);
  return text
    .max(max, `${label} must be at most ${max} characters`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), `${label} must not contain control characters`)
    .refine(
      (value) => !BIDI_CONTROLS.test(value),
      `${label} must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)`,
    )
    .refine((value) => value.isWellFormed(), `${label} must be valid Unicode text`);
}

function requiredString(label: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? `${label} is required` : `${label} must be a string`),
  });
}

/**
 * Letters, digits and "-" (so no control, bidi or other invisible character can be part of one). Unique regardless
 * of case and stored in upper case: "eu-1" opens EU-1, and is a duplicate of an existing EU-1.
 */
export const accountNumberSchema = requiredString('Account number')
  .regex(/^[A-Za-z0-9-]{1,34}$/, 'Account number must be 1 to 34 characters: letters, digits or "-"')
  .overwrite((value) => value.toUpperCase());

export const accountNameSchema = plainText(requiredString('Account name'), 'Account name', { min: 1, max: 100 });

export const ownerNameSchema = plainText(requiredString('Owner name'), 'Owner name', { min: 1, max: 100 });

/** Optional; null, empty or blank means "use the default description". */
export const descriptionSchema = plainText(z.string({ error: 'Description must be a string' }), 'Description', {
  max: 200,
})
  .nullish()
  .transform((value) => (value ? value : undefined));
