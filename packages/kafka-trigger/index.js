'use strict';
// The serverless CLI loads plugins as CommonJS JavaScript. This shim loads the TypeScript plugin through tsx's
// *scoped* require: .ts files are compiled on the fly for this plugin only, without installing a global .ts hook
// in the serverless process (serverless-esbuild and serverless-offline keep loading handlers their own way).
const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

const plugin = tsxRequire('./plugin.ts', path.join(__dirname, 'index.js'));

// tsx compiles through esbuild's synchronous API, which leaves a worker thread with an esbuild child process running
// (it prints a goroutine dump when serverless-offline exits). Every module of the plugin is loaded by now: release it.
// esbuild restarts its service lazily, so serverless-esbuild's later builds are unaffected.
const tsxDirectory = path.dirname(require.resolve('tsx/package.json'));
void require(require.resolve('esbuild', { paths: [tsxDirectory] })).stop();

module.exports = plugin.default;
