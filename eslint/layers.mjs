// The import boundaries of this repository, as one ESLint rule. Each lib/ folder is a stage of the pipeline with a
// rank; a module may import its own stage and the stages ranked below it, never above. lib/ never reaches into the
// code that runs it (functions/, local/, test/, bench/, scripts/), and the domain imports nothing that does I/O.
// A workspace package (packages/<name>) imports nothing outside itself.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Lowest first: a stage may import only stages of the same or a lower rank. */
const LIB_STAGES = [
  ['lib/platform', 0],
  ['lib/commands/banking', 1],
  ['lib/event-store', 2],
  ['lib/commands/accounts', 3],
  ['lib/outbox', 4],
  ['lib/projections', 5],
  ['lib/queries', 6],
  ['lib/presentation', 7],
];

/** The only packages the pure domain may import. */
const DOMAIN_PACKAGES = new Set(['zod']);

const isTestFile = (file) => /\.spec\.ts$/.test(file) || /(^|\/)testing(\.ts|\/)/.test(file);
const topFolder = (file) => file.split('/')[0];
const stageOf = (file) => LIB_STAGES.find(([prefix]) => file === prefix || file.startsWith(`${prefix}/`));

/** packages/<name>/… → packages/<name>: a workspace package is self-contained (the app uses it by its npm name). */
const packageOf = (file) => (file.startsWith('packages/') ? file.split('/').slice(0, 2).join('/') : undefined);

function problem(importer, target) {
  const from = topFolder(importer);
  const to = topFolder(target);
  if (from === 'packages' && packageOf(target) !== packageOf(importer))
    return `${packageOf(importer)} must not import outside itself (${to}/)`;
  if (from !== 'packages' && to === 'packages') return 'use a workspace package by its npm name, not by its path';
  if (from === 'lib') {
    if (['functions', 'bench', 'scripts'].includes(to)) return `lib/ must not import ${to}/`;
    if (['local', 'test'].includes(to) && !isTestFile(importer)) return `lib/ must not import ${to}/ (only specs may)`;
    if (to === 'lib' && !isTestFile(importer)) {
      const [fromStage, fromRank] = stageOf(importer) ?? [];
      const [toStage, toRank] = stageOf(target) ?? [];
      if (fromStage && toStage && toRank > fromRank) return `${fromStage} must not import ${toStage} (a later stage)`;
      if (fromStage === 'lib/commands/banking' && toStage !== fromStage) return 'the domain imports only itself';
    }
  }
  if (from === 'functions' && !isTestFile(importer) && ['local', 'test', 'bench', 'scripts'].includes(to))
    return `functions/ must not import ${to}/`;
  return undefined;
}

const rule = {
  meta: { type: 'problem', schema: [], messages: { boundary: '{{reason}} ({{source}})' } },
  create(context) {
    const importer = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      let reason;
      if (source.startsWith('.')) {
        const target = path
          .relative(ROOT, path.resolve(path.dirname(context.filename), source))
          .split(path.sep)
          .join('/');
        reason = problem(importer, target);
      } else if (importer.startsWith('lib/commands/banking/') && !isTestFile(importer)) {
        const pkg = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
        if (!DOMAIN_PACKAGES.has(pkg)) reason = `the domain must not import ${pkg} (no I/O in the domain)`;
      }
      if (reason) context.report({ node, messageId: 'boundary', data: { reason, source } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { boundaries: rule } };
