import { interleave } from './rounds';

describe('interleave', () => {
  beforeEach(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));
  afterEach(() => jest.restoreAllMocks());

  it('given three variants, when run for three rounds, then they alternate with a rotating order after a warm-up', async () => {
    const calls: string[] = [];
    const variant = (name: string) => ({
      name,
      run: async (round: number) => {
        calls.push(`${name}${round}`);
        return round;
      },
    });

    const results = await interleave('t', [variant('A'), variant('B'), variant('C')], { rounds: 3 });

    expect(calls).toEqual(['A-1', 'B-1', 'C-1', 'A0', 'B0', 'C0', 'B1', 'C1', 'A1', 'C2', 'A2', 'B2']);
    expect(results.get('A')).toEqual([0, 1, 2]);
    expect(results.get('C')).toEqual([0, 1, 2]);
  });
});
