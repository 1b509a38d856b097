import fc from 'fast-check';
import { fromWireAmount, toWireAmount } from './money';

describe('wire amounts', () => {
  it('given cents, when written and read back, then the value is the same (exactly)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000_000_000, max: 100_000_000_000_000 }), (cents) => {
        expect(fromWireAmount(toWireAmount(cents))).toBe(cents);
      }),
    );
  });

  it.each([
    ['12.50', 1250],
    ['0.00', 0],
    ['-0.01', -1],
    ['1000000000000.00', 100_000_000_000_000],
  ])('given %s, when read, then it is %d cents', (wire, cents) => {
    expect(fromWireAmount(wire)).toBe(cents);
  });

  it.each(['12.5', '12', '012.50', '1e3', '-0.00', ' 1.00', '1.005', '+1.00', '', '0.1'])(
    'given the malformed %p, when read, then it is refused',
    (wire) => {
      expect(fromWireAmount(wire)).toBeUndefined();
    },
  );
});
