import { z } from 'zod';
import {
  amountSchema,
  descriptionSchema,
  formatAmount,
  MAX_AMOUNT_CENTS,
  nonNegativeAmountSchema,
} from '../../commands/banking/money';
import fc from 'fast-check';
import { AMOUNT_FORMAT_MESSAGE, amountFromText, checkForm } from './forms';
import { formatMoney } from './format';
import { decodeFormComponent, parseForm } from './http';

const depositLike = z.object({ amount: amountSchema, description: descriptionSchema });
const options = { fields: ['amount', 'description'], amountFields: ['amount'] } as const;

describe('amountFromText', () => {
  it.each([
    ['0', 0],
    ['7', 7],
    ['12.5', 12.5],
    ['12.50', 12.5],
    ['0.50', 0.5],
    ['0.05', 0.05],
    ['1234.56', 1234.56],
    ['1,234.56', 1234.56],
    ['12,345', 12345],
    ['123,456.7', 123456.7],
    ['1,000,000,000.00', 1_000_000_000],
    ['1000000000.00', 1_000_000_000],
    [' 12.50 ', 12.5],
    ['\u00a012.50\t', 12.5],
    ['-5', -5],
    ['-1,234.50', -1234.5],
  ])('given %p when read then %p', (text, expected) => {
    expect(amountFromText(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['5,00', 'Use a dot for cents: 5.00'],
    ['5,5', 'Use a dot for cents: 5.50'],
    ['0,50', 'Use a dot for cents: 0.50'],
    ['1,23', 'Use a dot for cents: 1.23'],
    ['1234,56', 'Use a dot for cents: 1234.56'],
    ['1.234,56', 'Use a dot for cents: 1234.56'],
    ['1.234.567,8', 'Use a dot for cents: 1234567.80'],
    ['-5,00', 'Use a dot for cents: -5.00'],
    ['1,2,3', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['12,34,567', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['1,2345', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['0,123', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['1234,567.00', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    [',100', 'Put commas only between groups of three digits, as in 1,234,567.89, or leave them out'],
    ['1 000', 'Use commas between thousands, or nothing: 1,000'],
    ['1\u00a0000.5', 'Use commas between thousands, or nothing: 1,000.50'],
    ['1\u202f234\u202f567', 'Use commas between thousands, or nothing: 1,234,567'],
    ['1_000', 'Use commas between thousands, or nothing: 1,000'],
    ["1'000", 'Use commas between thousands, or nothing: 1,000'],
    ['.5', 'Put a digit before the dot: 0.50'],
    ['.05', 'Put a digit before the dot: 0.05'],
    ['5.', 'Put the cents after the dot, or leave the dot out: 5.00'],
    ['1.005', 'Amount must have at most 2 decimal places'],
    ['10.0000000000000001', 'Amount must have at most 2 decimal places'],
    ['1,234.567', 'Amount must have at most 2 decimal places'],
    ['abc', AMOUNT_FORMAT_MESSAGE],
    ['1e5', AMOUNT_FORMAT_MESSAGE],
    ['0x10', AMOUNT_FORMAT_MESSAGE],
    ['1.2.3', AMOUNT_FORMAT_MESSAGE],
    ['+5', AMOUNT_FORMAT_MESSAGE],
    ['--5', AMOUNT_FORMAT_MESSAGE],
    ['-', AMOUNT_FORMAT_MESSAGE],
    ['.', AMOUNT_FORMAT_MESSAGE],
    ['12 34', AMOUNT_FORMAT_MESSAGE],
    ['€5', AMOUNT_FORMAT_MESSAGE],
    ['5 EUR', AMOUNT_FORMAT_MESSAGE],
    ['\uff15', AMOUNT_FORMAT_MESSAGE], // fullwidth 5
    ['\u0665', AMOUNT_FORMAT_MESSAGE], // Arabic-Indic 5
    ['Infinity', AMOUNT_FORMAT_MESSAGE],
    ['NaN', AMOUNT_FORMAT_MESSAGE],
  ])('given %p when read then it is refused: %p', (text, message) => {
    expect(amountFromText(text)).toEqual({ ok: false, message });
  });

  it('given a blank amount when read then it is missing (the API says it is required)', () => {
    expect(amountFromText('   ')).toEqual({ ok: true, value: undefined });
    expect(amountFromText(undefined)).toEqual({ ok: true, value: undefined });
  });

  it('given any amount of cents written plainly or grouped when read then it is the exact number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_CENTS }), fc.boolean(), (cents, grouped) => {
        const plain = formatAmount(cents);
        const text = grouped ? formatMoney(cents) : plain;
        const read = amountFromText(text);
        expect(read).toEqual({ ok: true, value: Number(plain) });
        expect(nonNegativeAmountSchema.parse(read.ok ? read.value : undefined)).toBe(cents);
      }),
      { numRuns: 500 },
    );
  });

  it('given text the reader accepts when the commas are removed then it is the same number: no comma is ever a decimal point', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9,.]{1,12}$/), (text) => {
        const read = amountFromText(text);
        if (!read.ok || read.value === undefined) return;
        expect(text.indexOf(',')).toBeLessThan(text.includes('.') ? text.indexOf('.') : Infinity);
        expect(read.value).toBe(Number(text.replaceAll(',', '')));
      }),
      { numRuns: 2000 },
    );
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

  it.each([
    ['5,00', 'Use a dot for cents: 5.00'],
    ['1 000', 'Use commas between thousands, or nothing: 1,000'],
    ['10.0000000000000001', 'Amount must have at most 2 decimal places'],
  ])('given the amount %p when checked then the form says what to type and nothing is returned', (amount, message) => {
    expect(checkForm(depositLike, { amount, description: 'x' }, options)).toEqual({
      ok: false,
      errors: { amount: [message] },
    });
  });

  it('given a negative amount when checked then the API says it must not be negative; -0 is 0', () => {
    for (const amount of ['-5', '-0.01', '-1,000.00']) {
      expect(checkForm(depositLike, { amount }, options)).toEqual({
        ok: false,
        errors: { amount: ['Amount must not be negative'] },
      });
    }
    expect(checkForm(depositLike, { amount: '-0.00' }, options)).toEqual({
      ok: false,
      errors: { amount: ['Amount must be greater than 0'] },
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

  it.each([
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'application/x-www-form-urlencoded; charset=windows-1252',
  ])('given %s when parsed then it is a 415', (contentType) => {
    expect(parseForm(event('a=1', contentType))).toMatchObject({ ok: false, status: 415 });
  });

  it('given UTF-8 declared in any spelling when parsed then it is read', () => {
    expect(parseForm(event('a=%C3%A9', 'Application/X-WWW-Form-Urlencoded; Charset="UTF-8"'))).toEqual({
      ok: true,
      fields: new Map([['a', 'é']]),
    });
  });

  it.each([
    ['a percent-encoded Latin-1 byte', 'description=caf%E9'],
    ['a percent-encoded lone continuation byte', 'amount=1&description=%80'],
    ['a truncated percent-encoded sequence', 'description=%E2%82'],
    ['an invalid byte in a name', 'a%FF=1'],
    ['a text body a gateway decoded lossily', 'description=caf\uFFFD'],
  ])('given %s when parsed then it is a 400, never U+FFFD', (_what, body) => {
    expect(parseForm(event(body))).toMatchObject({ ok: false, status: 400 });
  });

  it('given raw bytes that are not UTF-8 in a base64 body when parsed then it is a 400', () => {
    const latin1 = Buffer.from('description=caf\u00e9', 'latin1').toString('base64');
    expect(parseForm(event(latin1, 'application/x-www-form-urlencoded', true))).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it("given '+', a bare '%', names without '=' and empty pairs when parsed then they read as browsers mean them", () => {
    expect(parseForm(event('a=1+2%2B3&b=100%&c&&d=%zz'))).toEqual({
      ok: true,
      fields: new Map([
        ['a', '1 2+3'],
        ['b', '100%'],
        ['c', ''],
        ['d', '%zz'],
      ]),
    });
  });

  it('given a body over 16 KiB when parsed then it is a 413', () => {
    expect(parseForm(event(`a=${'x'.repeat(17 * 1024)}`))).toMatchObject({ ok: false, status: 413 });
  });
});

describe('decodeFormComponent', () => {
  it('given percent-encoded UTF-8 when decoded then the text, emoji included', () => {
    expect(decodeFormComponent('Zo%C3%AB+%F0%9F%8F%A6')).toBe('Zoë 🏦');
  });

  it('given encoded bytes that are not UTF-8 when decoded then undefined', () => {
    expect(decodeFormComponent('%C3')).toBeUndefined();
    expect(decodeFormComponent('%ED%A0%80')).toBeUndefined(); // an encoded surrogate
  });
});
