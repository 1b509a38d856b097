/**
 * The source text of every number in a JSON document, by its path. JSON.parse turns `10.0000000000000001` into the
 * double 10 and `1e2` into 100, so a value alone cannot tell how a client wrote an amount; Node 20's JSON.parse
 * reviver has no `context.source` (Node 21+). This scanner reads the text once more and records each number's
 * characters exactly as sent.
 */

/** A member name or an array index, from the document's root down to a value. */
export type JsonPath = ReadonlyArray<string | number>;

/** The key of a path in the map jsonNumberSources returns. */
export function pathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

type Container = { array: true; index: number } | { array: false; key: string | undefined; expectKey: boolean };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER_CHAR = /[-+0-9.eE]/;

/**
 * Maps pathKey(path) → the number's source text for every number in `text`, which must be JSON that JSON.parse
 * accepted (it is not validated again). A member name given twice keeps its last value, as JSON.parse does.
 * Iterative, so nesting depth costs no stack.
 */
export function jsonNumberSources(text: string): Map<string, string> {
  const sources = new Map<string, string>();
  const stack: Container[] = [];
  const currentPath = (): Array<string | number> =>
    stack.map((container) => (container.array ? container.index : (container.key ?? '')));

  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if (WHITESPACE.has(char) || char === ':') {
      at += 1;
    } else if (char === '{') {
      stack.push({ array: false, key: undefined, expectKey: true });
      at += 1;
    } else if (char === '[') {
      stack.push({ array: true, index: 0 });
      at += 1;
    } else if (char === '}' || char === ']') {
      stack.pop();
      at += 1;
    } else if (char === ',') {
      const top = stack.at(-1);
      if (top?.array) top.index += 1;
      else if (top) top.expectKey = true;
      at += 1;
    } else if (char === '"') {
      const end = stringEnd(text, at);
      const top = stack.at(-1);
      if (top && !top.array && top.expectKey) {
        top.key = JSON.parse(text.slice(at, end)) as string;
        top.expectKey = false;
      }
      at = end;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      let end = at + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end] as string)) end += 1;
      sources.set(pathKey(currentPath()), text.slice(at, end));
      at = end;
    } else {
      // true, false, null
      at += 1;
    }
  }
  return sources;
}

/** Index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  while (at < text.length) {
    const char = text[at];
    if (char === '\\') at += 2;
    else if (char === '"') return at + 1;
    else at += 1;
  }
  return at;
}
