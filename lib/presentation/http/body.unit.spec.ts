import { bodyBytes, exceedsDepth, isJsonContentType, MAX_BODY_BYTES } from './body';
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
