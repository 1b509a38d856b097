// esbuild plugins for serverless-esbuild (serverless.yml custom.esbuild.plugins).
//
// zod 4's `z` namespace re-exports every error-message locale (`z.locales`, ~40 languages, ~260 KB minified), which
// no bundler can drop because the namespace object is kept whole. The functions use zod's default English messages
// only (zod itself imports locales/en.js for them), so each bundle gets a `z.locales` with English alone: about
// 260 KB less in every function. Asking for another locale (z.locales.de()) would fail with a TypeError.
const path = require('node:path');

const zodEnglishLocaleOnly = {
  name: 'zod-english-locale-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.c?js$/ }, (args) => ({
      contents: args.path.endsWith('.cjs')
        ? "exports.en = require('./en.cjs').default;\n"
        : "export { default as en } from './en.js';\n",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodEnglishLocaleOnly];
