import { formatCount, formatDateTime, formatDuration, formatMoney, formatSignedMoney, timeElement } from './format';

describe('formatMoney', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [100, '1.00'],
    [123450, '1,234.50'],
    [100_000_000_000, '1,000,000,000.00'],
    [100_000_000_000_000, '1,000,000,000,000.00'],
    [-123456789, '-1,234,567.89'],
    [99999, '999.99'],
  ])('given %p cents when formatted then %p', (cents, expected) => {
    expect(formatMoney(cents)).toBe(expected);
  });

  it('given a non-integer number of cents when formatted then it refuses', () => {
    expect(() => formatMoney(1.5)).toThrow();
  });

  it('given a credit when signed then it carries a plus; a debit keeps its minus', () => {
    expect(formatSignedMoney(2500)).toBe('+25.00');
    expect(formatSignedMoney(-2500)).toBe('-25.00');
    expect(formatSignedMoney(0)).toBe('0.00');
  });
});

describe('formatDateTime', () => {
  it('given any instant when formatted then it is ISO-like in UTC to the second', () => {
    expect(formatDateTime(new Date('2026-11-27T09:12:59.999Z'))).toBe('2026-11-27 09:12:59 UTC');
    expect(formatDateTime('2026-11-27T10:12:00+01:00')).toBe('2026-11-27 09:12:00 UTC');
  });

  it('given an invalid date when formatted then a dash is shown', () => {
    expect(formatDateTime('not a date')).toBe('—');
  });

  it('given an instant when rendered as <time> then the machine value is the full ISO instant', () => {
    expect(timeElement(new Date('2026-01-02T03:04:05.000Z')).value).toBe(
      '<time datetime="2026-01-02T03:04:05.000Z" title="2026-01-02T03:04:05.000Z">2026-01-02 03:04:05 UTC</time>',
    );
  });
});

describe('formatCount and formatDuration', () => {
  it('given whole numbers when counted then thousands are separated', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount('98765432109876543210')).toBe('98,765,432,109,876,543,210');
    expect(formatCount(12n)).toBe('12');
  });

  it('given durations when formatted then units fit the size', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(3_400)).toBe('3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_840_000)).toBe('1 h 4 min');
    expect(formatDuration(-1)).toBe('—');
  });
});
