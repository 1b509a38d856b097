import { z } from 'zod';
import { amountSchema, nonNegativeAmountSchema } from '../../commands/banking/money';
import { depositBodySchema, openAccountBodySchema, transferBodySchema } from '../../presentation/api/account-schemas';
import { jsonNumberSources } from './json-numbers';
import { HttpProblem } from './problem';
import { sourceChecksOf, validateJsonBody } from './validation';

const paths = (schema: z.ZodType) => sourceChecksOf(schema).map((check) => check.path);

describe('sourceChecksOf', () => {
  it('given the account request bodies when walked then their amounts are the places judged by source text', () => {
    expect(paths(openAccountBodySchema)).toEqual([['initialBalance']]);
    expect(paths(depositBodySchema)).toEqual([['amount']]);
    expect(paths(transferBodySchema)).toEqual([['amount']]);
  });

  it('given amounts nested, optional or nullable when walked then they are found', () => {
    const schema = z.object({
      fee: amountSchema.optional(),
      legs: z.object({ first: nonNegativeAmountSchema.nullable() }),
      note: z.string(),
    });
    expect(paths(schema)).toEqual([['fee'], ['legs', 'first']]);
  });
});

describe('validateJsonBody', () => {
  const check = (text: string) => {
    try {
      return validateJsonBody(depositBodySchema, JSON.parse(text), jsonNumberSources(text));
    } catch (error) {
      if (error instanceof HttpProblem) return error.errors;
      throw error;
    }
  };

  it('given a plain amount when validated then the schema output (cents)', () => {
    expect(check('{"amount": 12.30}')).toEqual({ amount: 1230, description: undefined });
  });

  it('given an amount the double rounds when validated then the source message replaces the schema', () => {
    expect(check('{"amount": 10.0000000000000001}')).toEqual([
      { field: 'amount', message: 'Amount must have at most 2 decimal places' },
    ]);
    expect(check('{"amount": 1e-7}')).toEqual([
      { field: 'amount', message: 'Amount must be written without an exponent, e.g. 100 or 0.05' },
    ]);
  });

  it('given no number sources (a caller without the text) when validated then the schema alone decides', () => {
    expect(validateJsonBody(depositBodySchema, { amount: 10 }, undefined)).toEqual({
      amount: 1000,
      description: undefined,
    });
  });

  it('given an amount that is no number when validated then the schema message stays', () => {
    expect(check('{"amount": "10"}')).toEqual([
      { field: 'amount', message: 'Amount must be a JSON number (not a string)' },
    ]);
  });
});
