// What a maintainer needs to judge a release before merging it, gathered from the registry (both
// digests' labels, layers, signatures and attested package lists) and GitHub (the commits between
// the two source revisions). Every source may fail on its own: the notes then say what is missing
// and give the rest, because a release PR with partial notes is still better than a bare digest.
// Content that did not verify is never shown as verified (docs/release-notes.md).
import { compareRevisions, githubRepositoryOf, SourceHistory, SourceHistoryError } from "../providers/source-history";
import { NetTimeouts } from "../providers/http-timeouts";
import { RegistryError } from "../providers/oci/errors";
import { ImageFacts, readImageFacts } from "../providers/oci/image-facts";
import { PackageListReading, readPackageList } from "../providers/oci/package-attestation";
import { RegistryClient } from "../providers/oci/registry-client";
import { SignatureVerificationError, verifyImageSignature } from "../providers/oci/signature-verification";
import { parseImageName } from "../grammar/values";
import { diffPackages, PackageDiff } from "./package-diff";

export type SignatureStatus =
  | { readonly status: "verified"; readonly key: string }
  | { readonly status: "unverified"; readonly reason: string }
  /** No --verify-key: nothing was checked. */
  | { readonly status: "unchecked" };

export type PackageListStatus = PackageListReading | { readonly status: "unreadable"; readonly reason: string };

export interface ImageSide {
  readonly digest: string;
  readonly facts?: ImageFacts;
  /** Why the digest's manifest or config could not be read. */
  readonly factsProblem?: string;
  readonly signature: SignatureStatus;
  readonly packages: PackageListStatus;
}

export interface BootEvidence {
  readonly run: string;
  readonly bootedAt: string;
}

export type ReleaseKind = "first-release" | "update" | "rollback" | "unchanged";

export interface ReleaseNotes {
  readonly image: string;
  readonly kind: ReleaseKind;
  /** Absent for a first release. */
  readonly from?: ImageSide;
  readonly to: ImageSide;
  readonly history?: SourceHistory;
  /** Present only when both lists verified (or, without a key, both were read unchecked). */
  readonly packages?: PackageDiff & { readonly verified: boolean };
  /** What updating from `from` downloads: the layers of `to` that `from` does not have. */
  readonly update?: { readonly layers: number; readonly totalLayers: number; readonly bytes: number };
  readonly boot?: BootEvidence;
  /** What could not be gathered or checked, one line each, naming the side and the reason. */
  readonly gaps: readonly string[];
}

export interface NotesRequest {
  /** HOST/OWNER/NAME. */
  readonly image: string;
  readonly from?: string;
  readonly to: string;
  /** PEM cosign.pub: signatures and attestations are checked with it. */
  readonly publicKey?: string;
  readonly insecure?: boolean;
  readonly boot?: BootEvidence;
  /** Declared a rollback by the release state (`rollback: true`). */
  readonly rollback?: boolean;
  readonly githubApiUrl?: string;
  readonly timeouts?: NetTimeouts;
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function readSide(client: RegistryClient, req: NotesRequest, digest: string): Promise<ImageSide> {
  const { repository } = parseImageName(req.image);
  const [facts, signature, packages] = await Promise.all([
    readImageFacts(client, repository, digest).then(
      (f) => ({ facts: f }),
      (err: unknown) => ({ factsProblem: reasonOf(err) }),
    ),
    req.publicKey === undefined
      ? Promise.resolve<SignatureStatus>({ status: "unchecked" })
      : verifyImageSignature(client, { image: req.image, repository, digest, publicKey: req.publicKey }).then(
          (v): SignatureStatus => ({ status: "verified", key: v.key }),
          (err: unknown): SignatureStatus => {
            if (err instanceof SignatureVerificationError) return { status: "unverified", reason: err.found };
            return { status: "unverified", reason: `could not be checked: ${reasonOf(err)}` };
          },
        ),
    readPackageList(client, { image: req.image, repository, digest, publicKey: req.publicKey }).catch((err: unknown): PackageListStatus => ({
      status: "unreadable",
      reason: err instanceof RegistryError ? err.message : reasonOf(err),
    })),
  ]);
  return { digest, ...facts, signature, packages };
}

function packagesGap(label: string, list: PackageListStatus): string | undefined {
  if (list.status === "verified" || list.status === "unchecked") return undefined;
  const what = { unverified: "did not verify", missing: "is missing", unreadable: "could not be read" }[list.status];
  return `package list of the ${label} digest ${what}: ${list.reason}`;
}

async function historyOf(req: NotesRequest, from: ImageFacts | undefined, to: ImageFacts | undefined, gaps: string[]): Promise<SourceHistory | undefined> {
  // An unreadable side is reported once, as such.
  if (!from || !to) return undefined;
  if (!from.revision || !to.revision) {
    const side = !to.revision ? "new" : "old";
    gaps.push(`commits: the ${side} image has no ${"org.opencontainers.image.revision"} label to compare`);
    return undefined;
  }
  const repository = githubRepositoryOf(to.source ?? from.source);
  if (!repository) {
    gaps.push(`commits: the image's source label ${JSON.stringify(to.source ?? from.source ?? null)} is not a github.com repository`);
    return undefined;
  }
  if (from.revision === to.revision) return undefined;
  try {
    return await compareRevisions(repository, from.revision, to.revision, { baseUrl: req.githubApiUrl, timeouts: req.timeouts });
  } catch (err) {
    if (!(err instanceof SourceHistoryError)) throw err;
    gaps.push(`commits: ${err.message}`);
    return undefined;
  }
}

function kindOf(req: NotesRequest, from: ImageSide | undefined, to: ImageSide, history: SourceHistory | undefined): ReleaseKind {
  if (!from) return "first-release";
  if (from.digest === to.digest) return "unchanged";
  if (req.rollback || history?.status === "behind") return "rollback";
  const [a, b] = [Date.parse(from.facts?.created ?? ""), Date.parse(to.facts?.created ?? "")];
  return a > b ? "rollback" : "update";
}

export async function gatherReleaseNotes(req: NotesRequest, client: RegistryClient): Promise<ReleaseNotes> {
  const [from, to] = await Promise.all([req.from ? readSide(client, req, req.from) : Promise.resolve(undefined), readSide(client, req, req.to)]);
  const gaps: string[] = [];
  for (const [label, side] of [
    ["old", from],
    ["new", to],
  ] as const) {
    if (side?.factsProblem) gaps.push(`the ${label} digest ${side.digest} could not be read: ${side.factsProblem}`);
  }
  const history = from ? await historyOf(req, from.facts, to.facts, gaps) : undefined;
  let packages: ReleaseNotes["packages"];
  const toGap = packagesGap("new", to.packages);
  const fromGap = from ? packagesGap("old", from.packages) : undefined;
  if (from && !fromGap && !toGap && "packages" in from.packages && "packages" in to.packages) {
    packages = { ...diffPackages(from.packages.packages, to.packages.packages), verified: to.packages.status === "verified" };
  }
  for (const gap of [fromGap, toGap]) if (gap) gaps.push(from ? `${gap}; the package diff is not shown` : gap);
  let update: ReleaseNotes["update"];
  if (from?.facts && to.facts) {
    const had = new Set(from.facts.layers.map((l) => l.digest));
    const fresh = to.facts.layers.filter((l) => !had.has(l.digest));
    update = { layers: fresh.length, totalLayers: to.facts.layers.length, bytes: fresh.reduce((s, l) => s + l.size, 0) };
  }
  return {
    image: req.image,
    kind: kindOf(req, from, to, history),
    ...(from ? { from } : {}),
    to,
    ...(history ? { history } : {}),
    ...(packages ? { packages } : {}),
    ...(update ? { update } : {}),
    ...(req.boot ? { boot: req.boot } : {}),
    gaps,
  };
}
