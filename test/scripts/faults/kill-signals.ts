// What the kill-and-rerun fault tests (kill-rerun*.test.ts) share: the signals they kill with and the
// exit code each leaves.
export const MiB = 1024 * 1024;
export const SIGNALS = ["SIGKILL", "SIGTERM", "SIGINT"] as const;
/** What the exit code of a killed CLI is: 128 + the signal's number (runCli exits 130/143 itself). */
export const KILLED = { SIGKILL: 137, SIGTERM: 143, SIGINT: 130 } as const;
