import fc from 'fast-check';
import { z } from 'zod';
import {
  InvalidAmountError,
  MAX_AMOUNT_CENTS,
  MAX_BALANCE_CENTS,
  accountNameSchema,
  accountNumberSchema,
  amountSchema,
  amountSourceProblem,
  descriptionSchema,
  formatAmount,
  nonNegativeAmountSchema,
  numberSourceChecks,
  ownerNameSchema,
  parseAmount,
} from './money';

const messages = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe('parseAmount', () => {
  it.each([
    [0, 0],
    [1, 100],
    [1.1, 110],
    [JSON.parse('1.10') as number, 110],
    [0.01, 1],
    [0.07, 7], // 0.07 * 100 === 7.000000000000001
    [4.35, 435], // 4.35 * 100 === 434.99999999999994
    [1.15, 115],
    [1234.5, 123450],
    [999_999_999.99, 99_999_999_999],
    [1_000_000_000, MAX_AMOUNT_CENTS],
  ])('given %p, then %p cents exactly', (value, cents) => {
    expect(parseAmount(value)).toBe(cents);
  });

  it('given -0, then +0 cents', () => {
    expect(Object.is(parseAmount(-0), 0)).toBe(true);
  });

  it.each([
    ['three decimals', 1.005],
    ['binary noise (0.1 + 0.2)', 0.1 + 0.2],
    ['a tiny exponent form', 1e-7],
    ['a smallest denormal', 5e-324],
    ['a huge exponent form', 1e21],
    ['a huge plain form', 1e20],
    ['more than the maximum by a cent', 1_000_000_000.01],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a negative', -1],
    ['a negative cent', -0.01],
  ])('given %s, then InvalidAmountError', (_label, value) => {
    expect(() => parseAmount(value)).toThrow(InvalidAmountError);
  });

  it('round-trips every cent value: parseAmount(cents / 100) === cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }), (cents) => parseAmount(cents / 100) === cents),
    );
  });

  it('never rounds: any double either fails or maps to cents that divide back to it', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        try {
          const cents = parseAmount(value);
          return Number.isSafeInteger(cents) && cents / 100 === value;
        } catch (error) {
          return error instanceof InvalidAmountError;
        }
      }),
    );
  });
});

describe('formatAmount', () => {
  it.each([
    [123450, '1234.50'],
    [-1200, '-12.00'],
    [0, '0.00'],
    [-0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [MAX_AMOUNT_CENTS, '1000000000.00'],
    [MAX_BALANCE_CENTS, '1000000000000.00'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('given %p cents, then %p', (cents, text) => {
    expect(formatAmount(cents)).toBe(text);
  });

  it.each([1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('given %p, then InvalidAmountError', (cents) => {
    expect(() => formatAmount(cents)).toThrow(InvalidAmountError);
  });

  it('is the inverse of parseAmount through JSON', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }), (cents) => {
        const json = JSON.parse(`{"amount":${formatAmount(cents)}}`) as { amount: number };
        return parseAmount(json.amount) === cents;
      }),
    );
  });
});

describe('amountSchema', () => {
  it('given JSON numbers with up to 2 decimals, then cents', () => {
    expect(amountSchema.parse(10)).toBe(1000);
    expect(amountSchema.parse(JSON.parse('10.50'))).toBe(1050);
    expect(amountSchema.parse(1_000_000_000)).toBe(MAX_AMOUNT_CENTS);
  });

  it.each([
    ['10', 'Amount must be a JSON number (not a string)'],
    [null, 'Amount must be a JSON number (not a string)'],
    [undefined, 'Amount is required'],
    [Number.NaN, 'Amount must be a finite number'],
    [0, 'Amount must be greater than 0'],
    [-0, 'Amount must be greater than 0'],
    [-1, 'Amount must not be negative'],
    [1.005, 'Amount must have at most 2 decimal places'],
    [1e-7, 'Amount must have at most 2 decimal places'],
    [1e21, 'Amount must have at most 2 decimal places'],
    [1_000_000_000.01, 'Amount must not exceed 1000000000.00'],
  ])('given %p, then exactly one issue: %s', (value, message) => {
    expect(messages(amountSchema, value)).toEqual([message]);
  });

  it('nonNegativeAmountSchema allows 0 (initial balance) and nothing else new', () => {
    expect(nonNegativeAmountSchema.parse(0)).toBe(0);
    expect(nonNegativeAmountSchema.parse(12.3)).toBe(1230);
    expect(messages(nonNegativeAmountSchema, -0.01)).toEqual(['Amount must not be negative']);
    expect(messages(nonNegativeAmountSchema, '0')).toHaveLength(1);
  });
});

describe('field schemas', () => {
  it.each(['A', 'NL91-ABNA-0417164300', 'X'.repeat(34)])('accountNumber %p is valid', (value) => {
    expect(accountNumberSchema.parse(value)).toBe(value);
  });

  it.each([
    ['x'.repeat(34), 'X'.repeat(34)],
    ['eu-1', 'EU-1'],
    ['Nl91-abna-0417164300', 'NL91-ABNA-0417164300'],
  ])('accountNumber %p is kept in upper case: %p', (value, stored) => {
    expect(accountNumberSchema.parse(value)).toBe(stored);
  });

  it.each([
    ['a control character', 'EU\u00071'],
    ['a NUL', 'EU-1\u0000'],
    ['a right-to-left override', 'EU-\u202E1'],
    ['a first strong isolate', '\u2068EU-1'],
    ['a zero-width space', 'EU\u200B-1'],
    ['a Cyrillic letter', 'Е\u0423-1'],
    ['a Kelvin sign (upper case of k elsewhere)', '\u212A-1'],
  ])('accountNumber with %s is refused, naming the field', (_what, value) => {
    expect(messages(accountNumberSchema, value)).toEqual([
      'Account number must be 1 to 34 characters: letters, digits or "-"',
    ]);
  });

  it.each(['', 'x'.repeat(35), 'NL 91', ' NL91', 'NLé1', 'NL_91', 42])('accountNumber %p is invalid', (value) => {
    expect(messages(accountNumberSchema, value)).toHaveLength(1);
  });

  it('accountNumber missing says it is required', () => {
    expect(messages(accountNumberSchema, undefined)).toEqual(['Account number is required']);
  });

  it.each([
    ['accountName', accountNameSchema],
    ['ownerName', ownerNameSchema],
  ] as const)('%s is trimmed and must be 1..100 characters', (_name, schema) => {
    expect(schema.parse('  Alice  ')).toBe('Alice');
    expect(schema.parse('x'.repeat(100))).toBe('x'.repeat(100));
    expect(schema.parse(` ${'x'.repeat(100)} `)).toBe('x'.repeat(100));
    expect(messages(schema, '   ')).toHaveLength(1);
    expect(messages(schema, '')).toHaveLength(1);
    expect(messages(schema, 'x'.repeat(101))).toHaveLength(1);
    expect(messages(schema, 7)).toHaveLength(1);
  });

  it('description is optional: absent, null, empty or blank mean "use the default"', () => {
    for (const value of [undefined, null, '', '   ']) expect(descriptionSchema.parse(value)).toBeUndefined();
  });

  it('description is trimmed and at most 200 characters', () => {
    expect(descriptionSchema.parse('  Rent  ')).toBe('Rent');
    expect(descriptionSchema.parse('x'.repeat(200))).toBe('x'.repeat(200));
    expect(messages(descriptionSchema, 'x'.repeat(201))).toEqual(['Description must be at most 200 characters']);
    expect(messages(descriptionSchema, 5)).toEqual(['Description must be a string']);
  });
});

describe('free-text fields', () => {
  it.each([
    ['a NUL character', 'Ann\u0000Smith'],
    ['a control character', 'Ann\u0007'],
    ['an unpaired surrogate', 'Ann \ud800'],
  ])('given %s, when validated, then it is refused', (_what, value) => {
    expect(ownerNameSchema.safeParse(value).success).toBe(false);
    expect(accountNameSchema.safeParse(value).success).toBe(false);
    expect(descriptionSchema.safeParse(value).success).toBe(false);
  });

  it('given accented and emoji text, when validated, then it is kept', () => {
    expect(ownerNameSchema.parse('Zoë 🏦')).toBe('Zoë 🏦');
  });

  it.each([
    ['C1 control U+0085', 'Ann\u0085'],
    ['DEL', 'Ann\u007f'],
    ['a tab', 'Ann\tSmith'],
    ['a line feed', 'Ann\nSmith'],
  ])('given %s, when validated, then each field says it must not contain control characters', (_what, value) => {
    expect(messages(accountNameSchema, value)).toEqual(['Account name must not contain control characters']);
    expect(messages(ownerNameSchema, value)).toEqual(['Owner name must not contain control characters']);
    expect(messages(descriptionSchema, value)).toEqual(['Description must not contain control characters']);
  });

  it.each(['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'])(
    'given the bidirectional control %j, when validated, then each field refuses it by name',
    (control) => {
      const value = `invoice${control}fdp.exe`;
      const bidi = 'must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)';
      expect(messages(accountNameSchema, value)).toEqual([`Account name ${bidi}`]);
      expect(messages(ownerNameSchema, value)).toEqual([`Owner name ${bidi}`]);
      expect(messages(descriptionSchema, value)).toEqual([`Description ${bidi}`]);
    },
  );

  it('given right-to-left script without controls, when validated, then it is kept', () => {
    expect(ownerNameSchema.parse('שלום עולם')).toBe('שלום עולם');
    expect(descriptionSchema.parse('إيجار')).toBe('إيجار');
  });

  it('given decomposed text, when validated, then the NFC form is kept', () => {
    const decomposed = 'Zoe\u0308 Cafe\u0301';
    expect(ownerNameSchema.parse(decomposed)).toBe('Zoë Café');
    expect(accountNameSchema.parse(decomposed)).toBe('Zoë Café');
    expect(descriptionSchema.parse(` ${decomposed} `)).toBe('Zoë Café');
    expect(ownerNameSchema.parse('\u212B')).toBe('\u00C5'); // Angstrom sign → Å
  });

  it('given text that is 100 characters only once composed, when validated, then the stored length counts', () => {
    expect(ownerNameSchema.parse('e\u0301'.repeat(100))).toBe('\u00e9'.repeat(100));
    expect(messages(ownerNameSchema, 'e\u0301'.repeat(101))).toEqual(['Owner name must be at most 100 characters']);
  });
});

describe('amountSourceProblem: an amount as written in JSON', () => {
  it.each(['0', '10', '10.5', '10.50', '0.01', '1000000000.00', '-1', '-0', '1000000000000'])(
    "given %p, then no objection (value rules are the schema's)",
    (source) => {
      expect(amountSourceProblem(source)).toBeUndefined();
    },
  );

  it.each([
    ['10.0000000000000001', 'Amount must have at most 2 decimal places'],
    ['10.000', 'Amount must have at most 2 decimal places'],
    ['0.001', 'Amount must have at most 2 decimal places'],
    ['1e2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['1E2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['1.5e+1', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
    ['5e-2', 'Amount must be written without an exponent, e.g. 100 or 0.05'],
  ])('given %p, then %p', (source, message) => {
    expect(amountSourceProblem(source)).toBe(message);
  });

  it('is registered for both amount schemas, and nothing else', () => {
    expect(numberSourceChecks.get(amountSchema)).toBe(amountSourceProblem);
    expect(numberSourceChecks.get(nonNegativeAmountSchema)).toBe(amountSourceProblem);
    expect(numberSourceChecks.get(descriptionSchema)).toBeUndefined();
  });
});
