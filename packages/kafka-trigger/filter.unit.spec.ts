import { compileFilterCriteria, compilePattern, FilterCriteriaError } from './filter';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const matches = (pattern: unknown, value: Buffer | null): boolean => compilePattern(pattern, 'test')(value);

describe('FilterCriteria on the record value', () => {
  it.each([
    ['equals (string)', { value: { type: ['MoneyDeposited'] } }, { type: 'MoneyDeposited' }, { type: 'Other' }],
    ['equals (number)', { value: { amount: [5] } }, { amount: 5 }, { amount: '5' }],
    ['null', { value: { note: [null] } }, { note: null }, { note: 'x' }],
    ['empty string', { value: { note: [''] } }, { note: '' }, { note: 'x' }],
    ['prefix', { value: { id: [{ prefix: 'AB' }] } }, { id: 'AB1234' }, { id: 'XAB' }],
    ['suffix', { value: { file: [{ suffix: '.png' }] } }, { file: 'a.png' }, { file: 'a.jpg' }],
    [
      'prefix ignoring case',
      { value: { id: [{ prefix: { 'equals-ignore-case': 'ab' } }] } },
      { id: 'AB1' },
      { id: 'B1' },
    ],
    ['equals-ignore-case', { value: { s: [{ 'equals-ignore-case': 'open' }] } }, { s: 'OPEN' }, { s: 'opened' }],
    ['numeric range', { value: { n: [{ numeric: ['>', 0, '<=', 10] }] } }, { n: 10 }, { n: 0 }],
    ['numeric equals', { value: { n: [{ numeric: ['=', 3] }] } }, { n: 3 }, { n: '3' }],
    ['exists true', { value: { a: [{ exists: true }] } }, { a: 1 }, { b: 1 }],
    ['exists false', { value: { a: [{ exists: false }] } }, { b: 1 }, { a: null }],
    ['anything-but (value)', { value: { s: [{ 'anything-but': 'closed' }] } }, { s: 'open' }, { s: 'closed' }],
    ['anything-but (list)', { value: { n: [{ 'anything-but': [1, 2] }] } }, { n: 3 }, { n: 2 }],
    ['anything-but (prefix)', { value: { r: [{ 'anything-but': { prefix: 'us-' } }] } }, { r: 'eu-1' }, { r: 'us-1' }],
    ['nested object', { value: { a: { b: ['x'] } } }, { a: { b: 'x' } }, { a: { b: 'y' } }],
    ['array field (any element)', { value: { tags: ['vip'] } }, { tags: ['x', 'vip'] }, { tags: ['x'] }],
    ['several fields (and)', { value: { a: [1], b: [2] } }, { a: 1, b: 2 }, { a: 1, b: 3 }],
    ['several rules (or)', { value: { a: [1, { prefix: 'z' }] } }, { a: 'zz' }, { a: 2 }],
  ])('given %s, when matched, then the matching value passes and the other does not', (_, pattern, yes, no) => {
    expect(matches(pattern, json(yes))).toBe(true);
    expect(matches(pattern, json(no))).toBe(false);
  });

  it('given a field pattern, when the value is not JSON or is a tombstone, then it does not match', () => {
    const pattern = { value: { type: [{ exists: true }] } };

    expect(matches(pattern, Buffer.from('plain text'))).toBe(false);
    expect(matches(pattern, null)).toBe(false);
  });

  it('given rules on the whole value, when the value is a plain string, then they apply to that string', () => {
    expect(matches({ value: [{ prefix: 'Hello' }] }, Buffer.from('Hello, this is a test.'))).toBe(true);
    expect(matches({ value: [{ prefix: 'Bye' }] }, Buffer.from('Hello'))).toBe(false);
  });

  it('given several filters, when matched, then a record passes if any filter matches', () => {
    const filter = compileFilterCriteria([{ value: { a: [1] } }, { value: { b: [2] } }], 'test')!;

    expect(filter(json({ b: 2 }))).toBe(true);
    expect(filter(json({ a: 2, b: 1 }))).toBe(false);
    expect(compileFilterCriteria([], 'test')).toBeNull();
  });

  it.each([
    [{ key: { a: ['x'] } }, /value key only/],
    [{ value: { a: ['x'] }, headers: {} }, /value key only/],
    [{ value: { a: [{ wildcard: '*x' }] } }, /operator wildcard is not supported/],
    [{ value: { a: [{ cidr: '10.0.0.0/8' }] } }, /operator cidr is not supported/],
    [{ value: { $or: [{ a: [1] }, { b: [2] }] } }, /\$or is not supported/],
    [{ value: { a: [{ numeric: ['!=', 1] }] } }, /unsupported numeric comparison/],
    [{ value: { a: [{ 'anything-but': { suffix: 'x' } }] } }, /unsupported anything-but/],
    [{ value: { a: [] } }, /empty rule list/],
    [{ value: { a: 'x' } }, /must be a rule list or an object/],
    ['{not json', /Pattern is not JSON/],
  ])('given the unsupported pattern %p, when compiled, then it is refused', (pattern, message) => {
    expect(() => compilePattern(pattern, 'test')).toThrow(FilterCriteriaError);
    expect(() => compilePattern(pattern, 'test')).toThrow(message);
  });
});
