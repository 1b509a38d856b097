export default async function globalTeardown(): Promise<void> {
  await globalThis.__LEDGERLINE_STACK__?.stop();
  if (process.env.KEEP_TEST_DATABASE !== '1') await globalThis.__LEDGERLINE_TEST_RUN__?.dispose();
  await globalThis.__LEDGERLINE_SERVICES__?.stop();
}
