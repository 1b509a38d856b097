'use strict';
// The serverless CLI loads plugins as CommonJS JavaScript: plugin.ts through tsx's scoped require (as
// local/offline-cors/index.js does).
const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

const plugin = tsxRequire('./plugin.ts', path.join(__dirname, 'index.js'));

const tsxDirectory = path.dirname(require.resolve('tsx/package.json'));
void require(require.resolve('esbuild', { paths: [tsxDirectory] })).stop();

module.exports = plugin.default;
