import { strict as assert } from "node:assert";
import { workflowHardening } from "../../policy/workflow-hardening";
import { COMPLIANT_WORKFLOW, lineOf, repositoryFile, violationsOf, workflowWith } from "./fixtures";

async function onlyViolation(content: string): Promise<string> {
  const found = await violationsOf(workflowHardening, repositoryFile(content));
  assert.equal(found.length, 1, found.map((v) => v.message).join("\n"));
  return found[0].message;
}

describe("policy workflow-hardening", () => {
  it("passes the compliant workflow", async () => {
    assert.deepEqual(await violationsOf(workflowHardening, repositoryFile(COMPLIANT_WORKFLOW)), []);
  });

  it("ignores files that are not workflows", async () => {
    assert.deepEqual(await violationsOf(workflowHardening, repositoryFile("permissions: write-all\n", "docs/example.yml")), []);
  });

  it("blocks an action pinned by tag, naming the line", async () => {
    const content = workflowWith("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4");
    assert.match(
      await onlyViolation(content),
      new RegExp(
        `line ${lineOf(content, "actions/checkout@v4")} \\(job build, step 1\\): uses actions/checkout@v4; pin third-party actions by full 40-character commit SHA`,
      ),
    );
  });

  it("blocks permissions: write-all", async () => {
    assert.match(await onlyViolation(workflowWith("permissions:\n  contents: read\nenv:", "permissions: write-all\nenv:")), /top-level permissions: write-all/);
  });

  it("blocks a job with no permissions at any level", async () => {
    const content = workflowWith("permissions:\n  contents: read\nenv:", "env:").replace(
      "    permissions:\n      contents: read\n      packages: write\n    steps:\n      - name: Promote",
      "    steps:\n      - name: Promote",
    );
    assert.match(await onlyViolation(content), /\(job promote\): no permissions at workflow or job level/);
  });

  it("blocks a job without timeout-minutes", async () => {
    assert.match(await onlyViolation(workflowWith("    timeout-minutes: 15\n", "")), /\(job sign\): no timeout-minutes; size it to the slowest third party/);
  });

  it("blocks pull_request_target", async () => {
    assert.match(await onlyViolation(workflowWith("  pull_request:\n", "  pull_request_target:\n")), /on.pull_request_target runs fork code/);
  });

  it("blocks cosign signing a tag", async () => {
    const message = await onlyViolation(workflowWith('"${IMAGE_REF}"', '"${IMAGE_NAME}:candidate"'));
    assert.match(message, /cosign sign \.\.\. \$\{IMAGE_NAME\}:candidate" signs by tag; sign IMAGE@sha256/);
  });

  it("blocks a promotion copy without --preserve-digests", async () => {
    assert.match(await onlyViolation(workflowWith(" --preserve-digests", "")), /\(job promote\): registry-to-registry skopeo copy without --preserve-digests/);
  });

  it("blocks a promotion that copies from the moving candidate tag", async () => {
    assert.match(
      await onlyViolation(workflowWith('"docker://${PINNED}"', '"docker://${REGISTRY_IMAGE}:candidate"')),
      /copies from tag "docker:\/\/\$\{REGISTRY_IMAGE\}:candidate"; copy the digest resolved once/,
    );
  });

  it("blocks a push that does not capture the digest with --digestfile", async () => {
    assert.match(await onlyViolation(workflowWith("--digestfile=/tmp/digest.txt ", "")), /\(job build\): push without --digestfile/);
  });

  it("reports a workflow that is not valid YAML", async () => {
    assert.match(await onlyViolation("name: [broken\n"), /not valid YAML/);
  });
});
