// Errors of the OCI client and the promotion, in one module. Each carries the reference it was
// working on; callers (CLI exit codes, tests) decide on the class, never on the text. All extend
// ProviderError so their message survives the closure serializer (providers/provider-error.ts).
import { ProviderError } from "../provider-error";

/** The registry answered something we cannot act on; `code` is the OCI error code when given. */
export class RegistryError extends ProviderError {
  constructor(
    readonly reference: string,
    readonly status: number | undefined,
    message: string,
    readonly code?: string,
  ) {
    super(`${reference}: ${message}`, "RegistryError");
  }
}

/** Credentials missing or refused: says which variables or config keys supply them. */
export class RegistryAuthError extends ProviderError {
  constructor(
    readonly reference: string,
    message: string,
  ) {
    super(`${reference}: ${message}`, "RegistryAuthError");
  }
}

/** A tag is not where state or --expect says: someone moved it meanwhile. Nothing was moved. */
export class PromotionConflict extends ProviderError {
  constructor(
    readonly image: string,
    readonly conflicts: readonly { tag: string; expected: string | null; actual: string | null }[],
  ) {
    super(
      `${image}: conflict, nothing was moved: ` +
        conflicts.map((c) => `:${c.tag} is at ${c.actual ?? "no digest (missing)"}, expected ${c.expected ?? "missing"}`).join("; ") +
        ". Someone moved these tags since the last promotion; check who did (registry audit log or workflow runs), " +
        "then run `pulumi refresh` to accept the current state or pass the observed digest with --expect.",
      "PromotionConflict",
    );
  }
}

/** Moving stable back to an older release without saying so. */
export class RollbackRequired extends ProviderError {
  constructor(
    readonly image: string,
    readonly releaseDate: string | undefined,
    readonly newestDate: string,
  ) {
    super(
      releaseDate === undefined
        ? `${image}: moving :stable to a digest that carries no dated tag while the newest dated tag is ${newestDate} may be a rollback; ` +
            "promote it with its dated tags (stable.YYYYMMDD,YYYYMMDD), or declare the rollback with --rollback"
        : `${image}: moving :stable to a release dated ${releaseDate} while the newest dated tag is ${newestDate} is a rollback; ` +
            "declare it with rollback: true (stack config) or --rollback (CLI)",
      "RollbackRequired",
    );
  }
}

/** The registry stored something other than the bytes we sent. */
export class VerificationError extends ProviderError {
  constructor(
    readonly image: string,
    readonly tag: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`${image}:${tag}: after the PUT the tag resolves to ${actual ?? "nothing"}, expected ${expected}`, "VerificationError");
  }
}
