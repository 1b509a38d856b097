'use strict';
// The serverless CLI loads plugins as CommonJS JavaScript. This shim loads the TypeScript plugin through tsx's
// *scoped* require: .ts files are compiled on the fly for this plugin only, without installing a global .ts hook
// in the serverless process (serverless-esbuild and serverless-offline keep loading handlers their own way).
const { require: tsxRequire } = require('tsx/cjs/api');

const plugin = tsxRequire('./plugin.ts', __filename);

// tsx compiled through esbuild's synchronous API, which keeps a worker thread and an esbuild child process alive;
// every module of the plugin is loaded now, so release them (esbuild restarts its service lazily for serverless-esbuild).
const tsxDirectory = require('node:path').dirname(require.resolve('tsx/package.json'));
void require(require.resolve('esbuild', { paths: [tsxDirectory] })).stop();

module.exports = plugin.default;
