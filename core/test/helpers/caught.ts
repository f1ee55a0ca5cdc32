// Test helper: what a call threw, for asserting on an error's code and wording. Shared by core's tests
// and the plugins' (they import it by relative path, like the benchmarks share core/bench/report.ts).

/** Runs `fn` and returns what it threw (or rejected with); fails loudly when it did not throw. */
export const caught = async (fn: () => unknown): Promise<Error & Record<string, unknown>> => {
  try {
    await fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected an error, but the call succeeded');
};

/** The same for synchronous code. */
export const caughtSync = (fn: () => unknown): Error & Record<string, unknown> => {
  try {
    fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected an error, but the call succeeded');
};
