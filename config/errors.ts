/**
 * A stack config value that does not match its grammar. The message is one line naming the key,
 * the bad value and the expected form, so `pulumi preview` and `npm run synth` can print it as is.
 */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    /** The whole message, when "VALUE is not valid; expected FORM" does not fit (an unknown key). */
    message?: string,
  ) {
    super(message ?? `config ${key}: ${describe(value)} is not valid; expected ${expected}`);
    this.name = "ConfigError";
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "missing value";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `value` when `valid` accepts it; otherwise the one-line ConfigError naming `key` and `expected`. */
export function validated<T>(key: string, value: unknown, valid: (value: unknown) => value is T, expected: string): T {
  if (!valid(value)) throw new ConfigError(key, value, expected);
  return value;
}

/** As validated, for a key that may be left unset. */
export function validatedIfSet<T>(key: string, value: unknown, valid: (value: unknown) => value is T, expected: string): T | undefined {
  return value === undefined ? undefined : validated(key, value, valid, expected);
}
