import { chooseChromium, SYSTEM_CHROMIUM } from './chromium';

const existing =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe('chooseChromium', () => {
  it('given CHROMIUM_PATH when the file exists then it wins over the system browser', () => {
    expect(chooseChromium({ CHROMIUM_PATH: '/opt/chrome' }, existing('/opt/chrome', SYSTEM_CHROMIUM))).toEqual({
      from: 'CHROMIUM_PATH',
      executablePath: '/opt/chrome',
    });
  });

  it('given CHROMIUM_PATH when nothing is there then it fails instead of using another browser', () => {
    expect(() => chooseChromium({ CHROMIUM_PATH: '/opt/none' }, existing(SYSTEM_CHROMIUM))).toThrow(/\/opt\/none/);
  });

  it('given no CHROMIUM_PATH when Debian chromium is installed then it is used', () => {
    expect(chooseChromium({}, existing(SYSTEM_CHROMIUM))).toEqual({ from: 'system', executablePath: SYSTEM_CHROMIUM });
  });

  it('given no CHROMIUM_PATH and no system chromium then the npm Chromium is used', () => {
    expect(chooseChromium({ CHROMIUM_PATH: '' }, existing())).toEqual({ from: 'npm' });
  });
});
