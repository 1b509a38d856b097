/** Polls `probe` until it returns a value other than undefined (a throw means "not yet"); fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits for `text` in a child process's output; on a timeout the error carries the output (read at that moment). */
export async function outputContains(output: () => string, text: string, timeoutMs: number): Promise<void> {
  try {
    await eventually(() => (output().includes(text) ? true : undefined), JSON.stringify(text), timeoutMs, 200);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; output:\n${output().slice(-4000)}`, {
      cause: error,
    });
  }
}
