import { z } from 'zod';
import { amountSchema, descriptionSchema } from '../../commands/banking/money';
import { AMOUNT_FORMAT_MESSAGE, amountFromText, checkForm } from './forms';
import { parseForm } from './http';

const depositLike = z.object({ amount: amountSchema, description: descriptionSchema });
const options = { fields: ['amount', 'description'], amountFields: ['amount'] } as const;

describe('amountFromText', () => {
  it.each([
    ['12.50', 12.5],
    ['1,234.56', 1234.56],
    [' 1 000 ', 1000],
    ['-5', -5],
  ])('given %p when read then %p', (text, expected) => {
    expect(amountFromText(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['abc', '1e5', '12.', '0x10', '1.2.3'])('given %p when read then it is not a number', (text) => {
    expect(amountFromText(text)).toEqual({ ok: false });
  });

  it('given a blank amount when read then it is missing (the API says it is required)', () => {
    expect(amountFromText('   ')).toEqual({ ok: true, value: undefined });
  });
});

describe('checkForm with an API schema', () => {
  it('given valid values when checked then the API output (cents) is returned', () => {
    expect(checkForm(depositLike, { amount: '1,250.75', description: '' }, options)).toEqual({
      ok: true,
      value: { amount: 125075, description: undefined },
    });
  });

  it("given bad values when checked then each field carries the API's own message", () => {
    const result = checkForm(depositLike, { amount: '1.005', description: 'x'.repeat(201) }, options);
    expect(result).toEqual({
      ok: false,
      errors: {
        amount: ['Amount must have at most 2 decimal places'],
        description: ['Description must be at most 200 characters'],
      },
    });
  });

  it('given text that is no number when checked then one clear message is shown for the field', () => {
    expect(checkForm(depositLike, { amount: 'ten' }, options)).toEqual({
      ok: false,
      errors: { amount: [AMOUNT_FORMAT_MESSAGE] },
    });
  });

  it('given a missing amount when checked then the API says it is required', () => {
    expect(checkForm(depositLike, {}, options)).toEqual({ ok: false, errors: { amount: ['Amount is required'] } });
  });
});

describe('parseForm', () => {
  const event = (body: string, contentType = 'application/x-www-form-urlencoded', isBase64Encoded = false) => ({
    body,
    isBase64Encoded,
    headers: { 'Content-Type': contentType },
  });

  it('given a urlencoded body when parsed then the first value of each name is kept', () => {
    const parsed = parseForm(event('amount=1%2C000.50&amount=2&description=caf%C3%A9+%3Cb%3E'));
    expect(parsed).toEqual({
      ok: true,
      fields: new Map([
        ['amount', '1,000.50'],
        ['description', 'café <b>'],
      ]),
    });
  });

  it('given a base64 body when parsed then it is decoded first', () => {
    const parsed = parseForm(
      event(Buffer.from('a=1').toString('base64'), 'application/x-www-form-urlencoded; charset=utf-8', true),
    );
    expect(parsed).toEqual({ ok: true, fields: new Map([['a', '1']]) });
  });

  it('given JSON when parsed then it is a 415', () => {
    expect(parseForm(event('{}', 'application/json'))).toMatchObject({ ok: false, status: 415 });
  });

  it('given a body over 16 KiB when parsed then it is a 413', () => {
    expect(parseForm(event(`a=${'x'.repeat(17 * 1024)}`))).toMatchObject({ ok: false, status: 413 });
  });
});
