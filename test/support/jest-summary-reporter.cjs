// The jest reporter that writes test-results/summary/jest-<profile>.json (see jest-summary.ts). Jest loads reporters
// with Node's own require, which cannot read TypeScript, so this shim loads the TypeScript module through tsx.
/* global __filename */
const tsx = require('tsx/cjs/api');

module.exports = tsx.require('./jest-summary.ts', __filename).default;
