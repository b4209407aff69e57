// Third-party actions, each pinned to the full commit SHA of a release (a tag can be moved under
// us; a commit cannot, and the repository settings require SHA pinning). The version is rendered
// as a comment next to the SHA so a reviewer sees what the commit is.
import { PinnedAction } from "./model";

export const ACTIONS = {
  checkout: { repository: "actions/checkout", sha: "11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2" },
  setupNode: { repository: "actions/setup-node", sha: "49933ea5288caeca8642d1e84afbd3f7d6820020", version: "v4.4.0" },
  // Installs the official Pulumi CLI only (no `command` input); release v7.0.0 is this commit.
  pulumi: { repository: "pulumi/actions", sha: "8e5e406f4007fca908480587cb9893c07090f58d", version: "v7.0.0" },
  uploadArtifact: { repository: "actions/upload-artifact", sha: "ea165f8d65b6e75b540449e92b4886f43607fa02", version: "v4.6.2" },
  downloadArtifact: { repository: "actions/download-artifact", sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093", version: "v4.3.0" },
  metadata: { repository: "docker/metadata-action", sha: "902fa8ec7d6ecbf8d84d538b9b233a880e428804", version: "v5.7.0" },
  cosignInstaller: { repository: "sigstore/cosign-installer", sha: "3454372f43399081ed03b604cb2d021dabca52bb", version: "v3.8.2" },
  rechunk: { repository: "hhd-dev/rechunk", sha: "5fbe1d3a639615d2548d83bc888360de6267b1a2", version: "v1.2.4" },
} as const satisfies Record<string, PinnedAction>;

/** Container images run by the workflows, pinned like the actions (never a moving tag). */
export const TOOL_IMAGES = {
  /** Builds the qcow2 (smoke-boot) and the anaconda ISO (build-disk) from a pinned digest. */
  bootcImageBuilder: "quay.io/centos-bootc/bootc-image-builder@sha256:afeffdb5a7ab6bb9d0593b5765412c4d821a9492dbaf26bb5a494e27181d2019",
  /** The rechunker the rechunk action runs; its own default is a moving tag. */
  rechunk: "ghcr.io/hhd-dev/rechunk:v1.2.4@sha256:8a84bd5a029681aa8db523f927b7c53b5aded9b078b81605ac0a2fedc969f528",
} as const;

/** The Node.js the pipeline's CLIs run on (package.json engines: >=20.19). */
export const NODE_VERSION = "20.19";
