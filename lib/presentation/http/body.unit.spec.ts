import {
  bodyBytes,
  declaredCharsetIsUtf8,
  decodeBodyText,
  exceedsDepth,
  isJsonContentType,
  MAX_BODY_BYTES,
  parseMediaType,
} from './body';
import { HttpProblem } from './problem';
import { apiEvent } from './testing';

describe('bodyBytes', () => {
  it('given a UTF-8 body when measured then multi-byte characters count as bytes', () => {
    expect(bodyBytes(apiEvent({ path: '/', body: 'éé' }))).toBe(4);
  });

  it('given a base64 body when measured then its decoded bytes count', () => {
    const raw = Buffer.alloc(MAX_BODY_BYTES, 1);
    const event = apiEvent({ path: '/', body: raw.toString('base64'), isBase64Encoded: true });
    expect(bodyBytes(event)).toBe(MAX_BODY_BYTES);
  });

  it('given no body when measured then it is 0', () => {
    expect(bodyBytes(apiEvent({ path: '/' }))).toBe(0);
  });
});

describe('isJsonContentType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts %s',
    (value) => expect(isJsonContentType(value)).toBe(true),
  );

  it.each([undefined, '', 'text/plain', 'application/jsonp', 'application/x-www-form-urlencoded', 'text/json'])(
    'rejects %s',
    (value) => expect(isJsonContentType(value)).toBe(false),
  );
});

describe('exceedsDepth', () => {
  it('given flat bodies and scalars when checked then they are within any depth', () => {
    expect(exceedsDepth({ amount: 1, description: 'x' }, 1)).toBe(false);
    expect(exceedsDepth('text', 0)).toBe(false);
  });

  it('given nesting deeper than the limit when checked then it is detected without recursion', () => {
    const deep = JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)) as unknown;
    expect(exceedsDepth(deep, 32)).toBe(true);
    expect(exceedsDepth({ a: { b: [1] } }, 3)).toBe(false);
    expect(exceedsDepth({ a: { b: [[1]] } }, 3)).toBe(true);
  });
});

describe('parseMediaType', () => {
  it('given parameters with odd case, spaces and quotes when parsed then names are lower case and values unquoted', () => {
    const parsed = parseMediaType(' Application/JSON ;  Charset="UTF-8" ; q=1;flag; charset=latin1');
    expect(parsed.essence).toBe('application/json');
    expect(Object.fromEntries(parsed.parameters)).toEqual({ charset: 'UTF-8', q: '1' });
  });
});

describe('declaredCharsetIsUtf8', () => {
  it.each([
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json;charset="utf-8"',
    'application/json; charset=utf8',
    'application/json; boundary=x',
  ])('accepts %p', (value) => expect(declaredCharsetIsUtf8(value)).toBe(true));

  it.each([
    'application/json; charset=iso-8859-1',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; charset=windows-1252',
    'application/json; charset=""',
    'application/json; charset=utf-8x',
  ])('refuses %p', (value) => expect(declaredCharsetIsUtf8(value)).toBe(false));
});

describe('decodeBodyText', () => {
  const base64 = (bytes: number[] | string) =>
    ({ body: Buffer.from(bytes as never).toString('base64'), isBase64Encoded: true }) as const;
  const refused = (event: Parameters<typeof decodeBodyText>[0]) => {
    try {
      decodeBodyText(event);
    } catch (error) {
      return error instanceof HttpProblem ? [error.status, error.type] : error;
    }
    return 'decoded';
  };

  it('given UTF-8 as text or base64 when decoded then the text is returned', () => {
    expect(decodeBodyText({ body: '{"a":"Zoë 🏦"}', isBase64Encoded: false })).toBe('{"a":"Zoë 🏦"}');
    expect(decodeBodyText(base64('{"a":"Zoë 🏦"}'))).toBe('{"a":"Zoë 🏦"}');
  });

  it('given a byte order mark when decoded then it is dropped', () => {
    expect(decodeBodyText(base64([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('{}');
    expect(decodeBodyText({ body: '\uFEFF{}', isBase64Encoded: false })).toBe('{}');
  });

  it.each([
    ['a Latin-1 é', [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]],
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('given base64 bytes with %s when decoded then 400 invalid-utf8', (_what, bytes) => {
    expect(refused(base64(bytes))).toEqual([400, '/problems/invalid-utf8']);
  });

  it('given text a gateway decoded lossily (U+FFFD) or with a lone surrogate when decoded then 400 invalid-utf8', () => {
    expect(refused({ body: '{"a":"caf\uFFFD"}', isBase64Encoded: false })).toEqual([400, '/problems/invalid-utf8']);
    expect(refused({ body: '{"a":"\ud800"}', isBase64Encoded: false })).toEqual([400, '/problems/invalid-utf8']);
    expect(refused(base64('{"a":"\uFFFD"}'))).toEqual([400, '/problems/invalid-utf8']);
  });

  it('given U+FFFD written as a JSON escape when decoded then it is text like any other', () => {
    expect(decodeBodyText({ body: '{"a":"\\ufffd"}', isBase64Encoded: false })).toBe('{"a":"\\ufffd"}');
  });
});
