'use strict';
// The serverless CLI loads plugins as CommonJS JavaScript. This shim loads the TypeScript plugin through tsx's
// *scoped* require: .ts files are compiled on the fly for this plugin only, without installing a global .ts hook
// in the serverless process (serverless-esbuild and serverless-offline keep loading handlers their own way).
const { require: tsxRequire } = require('tsx/cjs/api');

const plugin = tsxRequire('./plugin.ts', __filename);
module.exports = plugin.default;
