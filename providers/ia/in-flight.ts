// A bounded number of tasks at once, for the parts of a multipart upload. A dozen lines do not
// justify a dependency, and the failure rule below (let the running ones finish) is the one the
// uploader needs: a part abandoned mid-request would leave IA holding a half-received part.

/**
 * Runs task(item) for every item, in order, with at most `limit` running at once. After a failure
 * no new task starts, the running ones are let finish (no request is left dangling), and the first
 * error is thrown.
 */
export async function inFlight<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
