import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The documentation's links and commands still work: every relative link in README.md, docs/*.md and bench/README.md
 * reaches an existing file (and, for `#anchor`s into Markdown, an existing heading), and every `npm start`,
 * `npm test` and `npm run <script>` shown in a code block or inline code is a script of package.json.
 */

const ROOT = path.resolve(__dirname, '..', '..');

const documents = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  'bench/README.md',
];

interface Parsed {
  /** Lines outside fenced code blocks, inline code removed. */
  prose: string[];
  /** Fenced code blocks' lines and inline code spans. */
  code: string[];
  /** ATX headings' text, in order. */
  headings: string[];
}

function parse(markdown: string): Parsed {
  const prose: string[] = [];
  const code: string[] = [];
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      else code.push(line);
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    for (const span of line.matchAll(/`([^`]+)`/g)) code.push(span[1] ?? '');
    const withoutCode = line.replace(/`[^`]*`/g, '');
    prose.push(withoutCode);
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading !== undefined) headings.push(heading);
  }
  return { prose, code, headings };
}

/** GitHub's heading anchors: lowercase, punctuation dropped except hyphens, each space a hyphen, repeats numbered. */
function githubSlugs(headings: readonly string[]): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const heading of headings) {
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(text) ?? 0;
    seen.set(text, count + 1);
    slugs.add(count === 0 ? text : `${text}-${count}`);
  }
  return slugs;
}

function read(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

function links(prose: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of prose) {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g))
      found.push(match[1] ?? '');
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line)?.[1];
    if (definition !== undefined) found.push(definition);
  }
  return found;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);

describe.each(documents)('%s', (document) => {
  const parsed = parse(read(document));

  it('links only to files that exist, and to headings that exist', () => {
    const targets = links(parsed.prose).filter((target) => !isExternal(target));
    const broken: string[] = [];
    for (const target of targets) {
      const hash = target.indexOf('#');
      const filePart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const file =
        filePart === '' ? document : path.posix.normalize(path.posix.join(path.posix.dirname(document), filePart));
      const absolute = path.join(ROOT, file);
      if (file.startsWith('..') || !existsSync(absolute)) {
        broken.push(`${target}: ${file} does not exist`);
        continue;
      }
      if (anchor === undefined || !file.endsWith('.md') || statSync(absolute).isDirectory()) continue;
      const slugs = githubSlugs(parse(read(file)).headings);
      if (!slugs.has(anchor)) broken.push(`${target}: ${file} has no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('shows only npm scripts that package.json has', () => {
    const missing: string[] = [];
    for (const text of parsed.code) {
      for (const match of text.matchAll(/\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(start|test)\b)/g)) {
        const script = match[1] ?? match[2] ?? '';
        if (!scripts.includes(script)) missing.push(match[0]);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find the links and the commands they are meant to check', () => {
    const readme = parse(read('README.md'));
    expect(links(readme.prose)).toEqual(expect.arrayContaining(['#run-it', 'docs/guarantees.md']));
    expect(readme.code.join('\n')).toMatch(/\bnpm start\b/);
    expect(readme.code.join('\n')).toMatch(/\bnpm test\b/);
  });

  it('slug headings as GitHub does', () => {
    expect([
      ...githubSlugs([
        'Guarantees, and the tests that prove them',
        '`npm run bench`',
        'docker compose',
        'What it costs at rest',
        'Run it',
        'Run it',
      ]),
    ]).toEqual([
      'guarantees-and-the-tests-that-prove-them',
      'npm-run-bench',
      'docker-compose',
      'what-it-costs-at-rest',
      'run-it',
      'run-it-1',
    ]);
  });

  it('ignore links and commands inside code', () => {
    const parsed = parse('```sh\n[x](missing.md)\nnpm run nope\n```\nSee `[y](gone.md)` and [z](here.md).\n');
    expect(links(parsed.prose)).toEqual(['here.md']);
    expect(parsed.code).toEqual(['[x](missing.md)', 'npm run nope', '[y](gone.md)']);
  });
});
