import fc from 'fast-check';
import { jsonNumberSources, pathKey } from './json-numbers';

const sources = (text: string) => Object.fromEntries(jsonNumberSources(text));

describe('jsonNumberSources', () => {
  it('given numbers JSON.parse would round or rewrite when scanned then their text is kept as sent', () => {
    const text = '{"amount": 10.0000000000000001, "b": 1e2, "c": -0, "d": 10.000, "e": 1E+2}';
    expect(JSON.parse(text)).toEqual({ amount: 10, b: 100, c: -0, d: 10, e: 100 });
    expect(sources(text)).toEqual({
      [pathKey(['amount'])]: '10.0000000000000001',
      [pathKey(['b'])]: '1e2',
      [pathKey(['c'])]: '-0',
      [pathKey(['d'])]: '10.000',
      [pathKey(['e'])]: '1E+2',
    });
  });

  it('given nested objects and arrays when scanned then each number has its path', () => {
    const text = '{"a":[1,{"b":2.5},[3,[4]]],"c":{"d":{"e":5}},"f":[],"g":{},"h":[[],6]}';
    expect(sources(text)).toEqual({
      [pathKey(['a', 0])]: '1',
      [pathKey(['a', 1, 'b'])]: '2.5',
      [pathKey(['a', 2, 0])]: '3',
      [pathKey(['a', 2, 1, 0])]: '4',
      [pathKey(['c', 'd', 'e'])]: '5',
      [pathKey(['h', 1])]: '6',
    });
  });

  it('given strings holding digits, quotes, escapes and brackets when scanned then only real numbers count', () => {
    const text = String.raw`{"s":"1.234 \" ] } , [ {","k\"ey":"\\","amount":7.25,"t":true,"n":null,"x":[false,"9"]}`;
    expect(sources(text)).toEqual({ [pathKey(['amount'])]: '7.25' });
  });

  it('given escaped member names when scanned then the path uses the decoded name', () => {
    expect(sources('{"am\\u006funt": 1.005, "\\ud83c\\udfe6": 2}')).toEqual({
      [pathKey(['amount'])]: '1.005',
      [pathKey(['🏦'])]: '2',
    });
  });

  it('given a member twice when scanned then the last one counts, as in JSON.parse', () => {
    const text = '{"amount": 10.001, "amount": 10}';
    expect(JSON.parse(text)).toEqual({ amount: 10 });
    expect(sources(text)).toEqual({ [pathKey(['amount'])]: '10' });
  });

  it('given a top-level number and whitespace everywhere when scanned then the root path is []', () => {
    expect(sources(' \n\t 12.50 \r\n')).toEqual({ [pathKey([])]: '12.50' });
    expect(sources('[ 1 , 2 ]')).toEqual({ [pathKey([0])]: '1', [pathKey([1])]: '2' });
  });

  it('given deep nesting when scanned then it uses no recursion', () => {
    const deep = '['.repeat(100_000) + '1' + ']'.repeat(100_000);
    expect(jsonNumberSources(deep).size).toBe(1);
  });

  it('given any JSON value when scanned then every number text parses back to the value JSON.parse put there', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        for (const [key, source] of jsonNumberSources(text)) {
          const path = JSON.parse(key) as Array<string | number>;
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const at = path.reduce<any>((node, step) => node[step], JSON.parse(text));
          expect(Number(source)).toBe(at);
        }
      }),
      { numRuns: 300 },
    );
  });
});
