/**
 * The one place the browser tests get a Chromium from, first match wins:
 *   1. CHROMIUM_PATH, when set (an error if nothing is there: a wrong path is not silently replaced);
 *   2. Debian's chromium at /usr/bin/chromium, when installed;
 *   3. the Chromium inside the @sparticuz/chromium npm package, so `npm install && npm test` needs no system browser
 *      (it decompresses to the OS temp dir, /tmp/chromium, on first use: a few seconds, once per machine).
 * Whatever the source, Chromium is kept off the network: these machines have nothing beyond loopback.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** No background requests, component downloads, sync or QUIC probes. */
export const OFFLINE_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
];

/** CI runs as root (no sandbox) and has no GPU. */
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu'];

/**
 * @sparticuz/chromium's own args are kept (headless shell, no sandbox, no zygote, single process: what its build
 * needs), except these two: they would let a page do what a real browser refuses, so the tests would prove less.
 */
const WEAKENING_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content']);

export type ChromiumSource =
  { from: 'CHROMIUM_PATH'; executablePath: string } | { from: 'system'; executablePath: string } | { from: 'npm' };

export function chooseChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (file: string) => boolean = existsSync,
): ChromiumSource {
  const given = env.CHROMIUM_PATH;
  if (given) {
    if (!exists(given)) throw new Error(`CHROMIUM_PATH=${given}: no such file`);
    return { from: 'CHROMIUM_PATH', executablePath: given };
  }
  if (exists(SYSTEM_CHROMIUM)) return { from: 'system', executablePath: SYSTEM_CHROMIUM };
  return { from: 'npm' };
}

/**
 * The npm Chromium's executable (decompressed on first use) and args. The package is ESM only (it finds its files
 * through import.meta.url), which jest's CommonJS module system cannot load, so a plain node child process asks it.
 */
async function npmChromium(): Promise<{ executablePath: string; args: string[] }> {
  const entry = pathToFileURL(require.resolve('@sparticuz/chromium')).href;
  const script = [
    `const { default: chromium } = await import(${JSON.stringify(entry)});`,
    'const executablePath = await chromium.executablePath();',
    'process.stdout.write(JSON.stringify({ executablePath, args: chromium.args }));',
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(stdout) as { executablePath: string; args: string[] };
}

export async function chromiumLaunchOptions(
  source: ChromiumSource = chooseChromium(),
): Promise<{ executablePath: string; args: string[] }> {
  if (source.from !== 'npm') return { executablePath: source.executablePath, args: [...SYSTEM_ARGS, ...OFFLINE_ARGS] };
  const npm = await npmChromium();
  const args = npm.args.filter((arg) => !WEAKENING_ARGS.has(arg));
  return { executablePath: npm.executablePath, args: [...args, ...OFFLINE_ARGS.filter((arg) => !args.includes(arg))] };
}

/** A headless Chromium from the first available source (see the top of this file). */
export async function launchChromium(): Promise<Browser> {
  const { executablePath, args } = await chromiumLaunchOptions();
  return chromium.launch({ executablePath, args, headless: true });
}
