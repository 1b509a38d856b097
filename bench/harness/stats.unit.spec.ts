import { median, pairedRatios, percentile, summarize } from './stats';

describe('bench statistics', () => {
  it('given an odd number of samples, when taking the median, then the middle value is returned', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('given an even number of samples, when taking the median, then the two middle values are averaged', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('given 100 latencies 1..100, when taking p50 and p99, then nearest-rank values are returned', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('given samples, when summarising, then median, min, max and the samples in order are kept', () => {
    expect(summarize([3, 9, 1])).toEqual({ median: 3, min: 1, max: 9, samples: [3, 9, 1] });
  });

  it('given two interleaved series, when pairing ratios, then each round is divided by its partner', () => {
    expect(pairedRatios([10, 30], [5, 10])).toEqual([2, 3]);
  });

  it('given no values or a non-finite value, when summarising, then it refuses', () => {
    expect(() => median([])).toThrow();
    expect(() => summarize([1, Number.NaN])).toThrow();
    expect(() => pairedRatios([1], [1, 2])).toThrow();
  });
});
