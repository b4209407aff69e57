// Compliant baselines for the policy tests: each case changes one field of one of these.
import { generateKeyPairSync } from "node:crypto";
import { Policy } from "@pulumi/policy";
import { PackConfig, PolicedResource, Violation, analyzeResources } from "../../policy/evaluator";
import { ResourceTypes } from "../../policy/resource-types";

export const DIGEST = `sha256:${"5f1e2a1b".repeat(8)}`;

/** A P-256 PEM public key, as cosign.pub holds (the private half is discarded). */
export const PUBLIC_KEY = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "pem", type: "spki" }).toString();

/** An ISO time `days` before now, so age-based policies are tested against the real clock. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
}

export function stamp(iso: string): string {
  return iso.slice(0, 10).replace(/-/g, "");
}

export function promotion(overrides: Record<string, unknown> = {}, bootedAt = daysAgo(1)): PolicedResource {
  return {
    type: ResourceTypes.promotion,
    name: "stable",
    inputs: {
      image: "ghcr.io/daniel-g-carrasco/margine",
      digest: DIGEST,
      tags: ["stable", `stable.${stamp(bootedAt)}`, stamp(bootedAt)],
      evidence: { bootRun: "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000001", bootedAt },
      rollback: false,
      insecure: false,
      cosignPublicKey: PUBLIC_KEY,
      ...overrides,
    },
  };
}

export function iaItem(options: PolicedResource["options"]): PolicedResource {
  return {
    type: ResourceTypes.iaItem,
    name: "iso-20261120",
    inputs: { identifier: "margine-20261120", files: [], metadata: { mediatype: "software" } },
    ...(options ? { options } : {}),
  };
}

export function repositoryFile(content: string, file = ".github/workflows/build.yml"): PolicedResource {
  return { type: ResourceTypes.repositoryFile, name: "image-workflow-build", inputs: { repository: "margine-image", file, content, branch: "main" } };
}

export function variable(value: string, variableName = "IMAGE_NAME"): PolicedResource {
  return { type: ResourceTypes.actionsVariable, name: `var-${variableName.toLowerCase()}`, inputs: { repository: "margine-image", variableName, value } };
}

export function actionsSecret(value: unknown, type: string = ResourceTypes.actionsEnvironmentSecret): PolicedResource {
  return { type, name: "secret-cosign-password", inputs: { repository: "margine-image", environment: "signing", secretName: "COSIGN_PASSWORD", value } };
}

export function command(create: string, extra: Record<string, unknown> = {}): PolicedResource {
  return { type: ResourceTypes.remoteCommand, name: "edge-provision", inputs: { connection: "[secret]", create, ...extra } };
}

/** Runs one policy over some resources in process (the evaluator the CLI and synth use). */
export async function violationsOf(policy: Policy, resources: PolicedResource | PolicedResource[], config: PackConfig = {}): Promise<Violation[]> {
  const report = await analyzeResources(Array.isArray(resources) ? resources : [resources], config, [policy as never]);
  return report.violations;
}

/** 1-based line of the first line of `text` containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`fixture has no line with ${needle}`);
  return i + 1;
}

/** A workflow that follows every lesson: build, sign by digest, promote the pinned digest. */
export const COMPLIANT_WORKFLOW = `name: build
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
env:
  IMAGE_NAME: ghcr.io/daniel-g-carrasco/margine
  CANDIDATE_TAG: candidate
jobs:
  build:
    runs-on: ubuntu-24.04
    timeout-minutes: 90
    permissions:
      contents: read
      packages: write
    outputs:
      image_ref: \${{ steps.push.outputs.image_ref }}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - id: metadata
        uses: docker/metadata-action@902fa8ec7d6ecbf8d84d538b9b233a880e428804 # v5.7.0
        with:
          images: \${{ env.IMAGE_NAME }}
          flavor: latest=false
          tags: |
            type=raw,value=\${{ env.CANDIDATE_TAG }},enable=\${{ github.event_name != 'pull_request' }}
            type=raw,value=\${{ env.CANDIDATE_TAG }}.{{date 'YYYYMMDD'}},enable=\${{ github.event_name != 'pull_request' }}
            type=ref,event=pr,prefix=pr-,enable=\${{ github.event_name == 'pull_request' }}
      - id: push
        name: Push rechunked image to GHCR
        run: |
          DIGEST=""
          for tag in \${{ steps.metadata.outputs.version }}; do
            sudo skopeo copy --retry-times 3 \\
              --digestfile=/tmp/digest.txt \\
              "oci:/tmp/rechunked" \\
              "docker://\${IMAGE_NAME}:\${tag}"
            if [[ -z "$DIGEST" ]]; then DIGEST="$(cat /tmp/digest.txt)"; fi
          done
          echo "image_ref=\${IMAGE_NAME}@\${DIGEST}" >> "$GITHUB_OUTPUT"
  sign:
    needs: build
    runs-on: ubuntu-24.04
    timeout-minutes: 15
    environment: signing
    permissions:
      contents: read
      packages: write
    steps:
      - uses: sigstore/cosign-installer@3454372f43399081ed03b604cb2d021dabca52bb # v3.8.2
      - name: Sign by digest
        env:
          COSIGN_PRIVATE_KEY: \${{ secrets.COSIGN_PRIVATE_KEY }}
          COSIGN_PASSWORD: \${{ secrets.COSIGN_PASSWORD }}
          IMAGE_REF: \${{ needs.build.outputs.image_ref }}
        run: cosign sign --yes --key env://COSIGN_PRIVATE_KEY "\${IMAGE_REF}"
  promote:
    needs: [build, sign]
    runs-on: ubuntu-24.04
    timeout-minutes: 20
    concurrency:
      group: smoke-boot
      cancel-in-progress: false
    permissions:
      contents: read
      packages: write
    steps:
      - name: Promote candidate to stable (only if boot passed)
        env:
          PINNED: \${{ needs.build.outputs.image_ref }}
          REGISTRY_IMAGE: ghcr.io/daniel-g-carrasco/margine
        run: |
          DATE_TAG="$(date -u +%Y%m%d)"
          for promo_tag in stable "stable.\${DATE_TAG}" "\${DATE_TAG}"; do
            sudo skopeo copy --retry-times 3 --preserve-digests \\
              "docker://\${PINNED}" \\
              "docker://\${REGISTRY_IMAGE}:\${promo_tag}"
          done
`;

/** The compliant workflow with one line replaced (the line must exist). */
export function workflowWith(find: string, replace: string): string {
  if (!COMPLIANT_WORKFLOW.includes(find)) throw new Error(`compliant workflow has no "${find}"`);
  return COMPLIANT_WORKFLOW.replace(find, replace);
}
