// The preview's verdict from what the Pulumi CLI prints and its exit code (7 = ExitNoChanges). The
// output below is the home-built engine's, captured from `pulumi preview --refresh
// --expect-no-changes` of a stack whose dynamic resource's read returned a moved value; the e2e
// tier runs the real thing against the release stack.
import { strict as assert } from "node:assert";
import { stackPreviewResult } from "../../watch/stack-preview";

const CHANGED = `Previewing update (release):

 ~  pulumi:pulumi:Stack margine-pipeline-release refreshing
 ~  pulumi-nodejs:dynamic:Resource release-stable refreshing
 ~  pulumi-nodejs:dynamic:Resource release-stable refresh
@ previewing update....
 ~  pulumi-nodejs:dynamic:Resource release-stable update [diff: ~digest]
    pulumi:pulumi:Stack margine-pipeline-release
Resources:
    ~ 1 to update
    5 unchanged

error: no changes were expected for preview but changes were proposed
`;

describe("stackPreviewResult", () => {
  it("exit 0: clean", () => assert.equal(stackPreviewResult(0, "Resources:\n    6 unchanged\n").status, "clean"));

  it("exit 7 with the engine's message: drift, listing the resources that would change", () => {
    const r = stackPreviewResult(7, CHANGED);
    assert.equal(r.status, "drift");
    assert.deepEqual(r.status === "drift" && r.details, ["~  pulumi-nodejs:dynamic:Resource release-stable update [diff: ~digest]"]);
  });

  const unknowns: [string, number, string, RegExp][] = [
    ["the backend refused (exit 1)", 1, "error: failed to load checkpoint: AccessDenied\n", /^exit 1: error: failed to load checkpoint: AccessDenied$/],
    ["exit 7 without the message is not trusted as drift", 7, "something else\n", /^exit 7: something else$/],
    ["no output at all", 255, "", /^exit 255: \(no output\)$/],
  ];
  for (const [name, code, output, reason] of unknowns)
    it(`${name}: could not check`, () => {
      const r = stackPreviewResult(code, output);
      assert.equal(r.status, "unknown");
      assert.match(r.status === "unknown" ? r.reason : "", reason);
    });
});
