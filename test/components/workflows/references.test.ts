// Typed references: the generated workflows read only what their repository declares, from the
// job that may hold it; a rename, a secret read outside its environment or an output nobody
// writes is refused at render time, naming the job and step.
import * as assert from "node:assert/strict";
import { buildWorkflow } from "../../../components/workflows/build";
import { buildDiskWorkflow } from "../../../components/workflows/build-disk";
import { Job, RepositoryContract, Workflow } from "../../../components/workflows/model";
import { referencesIn } from "../../../components/workflows/reference-check";
import { jobOutputs, secret, variable, withOutputs } from "../../../components/workflows/references";
import { WorkflowModelError, renderWorkflow, workflowProblems } from "../../../components/workflows/render";
import { releaseWorkflow } from "../../../components/workflows/release";
import { run } from "../../../components/workflows/steps";
import { IMAGE_CONTRACT, IMAGE_SECRETS } from "../../../components/github/image-repository";
import { PIPELINE_SECRETS } from "../../../components/github/pipeline-repository";
import { TOOLS_REF, WORKFLOW_FILES } from "./generated";

const KEY = { name: "SIGNING_KEY", environment: "signing" } as const;
const CONTRACT: RepositoryContract = { repository: "the sample repository", secrets: { key: KEY }, variables: { image: "IMAGE_NAME" } };
const made = withOutputs(run("Make", 'echo "digest=sha256:0" >> "$GITHUB_OUTPUT"', { id: "make" }), ["digest"]);
const madeJob = jobOutputs("make", { digest: made.outputs.digest });
const sample = (jobs: Record<string, Omit<Job, "runsOn" | "permissions" | "timeoutMinutes">>): Workflow => ({
  fileName: "sample.yml",
  name: "sample",
  header: ["A sample."],
  on: { workflowDispatch: {} },
  permissions: {},
  contract: CONTRACT,
  jobs: Object.fromEntries(Object.entries(jobs).map(([id, j]) => [id, { runsOn: "ubuntu-24.04", permissions: {}, timeoutMinutes: 5, ...j }])),
});
const makeJob = { outputs: madeJob.declared, steps: [made.step] };
const use = (env: Record<string, string>, extra: Partial<Job> = {}) => ({ needs: ["make"], ...extra, steps: [run("Use", "true", { env })] });

describe("typed workflow references", () => {
  it("render the text GitHub reads", () => {
    assert.equal(secret(IMAGE_SECRETS.cosignPrivateKey), "${{ secrets.COSIGN_PRIVATE_KEY }}");
    assert.equal(variable("IMAGE_NAME"), "${{ vars.IMAGE_NAME }}");
    assert.equal(made.outputs.digest, "${{ steps.make.outputs.digest }}");
    assert.equal(madeJob.expressions.digest, "${{ needs.make.outputs.digest }}");
    assert.equal(madeJob.paths.digest, "needs.make.outputs.digest");
  });

  it("a renamed secret or variable does not compile", () => {
    // @ts-expect-error -- the declaration is the only way to name a secret; a stale key is a type error
    assert.throws(() => secret(IMAGE_SECRETS.cosignKey));
    // @ts-expect-error -- a step declares its outputs; reading another is a type error
    assert.equal(made.outputs.digets, undefined);
  });

  it("every generated workflow references only what its contract declares, from the job allowed to", () => {
    assert.ok(WORKFLOW_FILES.length >= 7);
    for (const file of WORKFLOW_FILES) assert.deepEqual(workflowProblems(file.workflow!), [], file.path);
  });

  it("finds references inside expressions, and anywhere in a condition", () => {
    assert.deepEqual(referencesIn("plain vars.X text"), []);
    assert.deepEqual(referencesIn("${{ vars.IMAGE_NAME }}:candidate"), [{ kind: "variable", name: "IMAGE_NAME" }]);
    assert.deepEqual(referencesIn("needs.boot.outputs.passed == 'true' && steps.x.outcome", true), [
      { kind: "job", id: "boot", output: "passed" },
      { kind: "step", id: "x", output: undefined },
    ]);
    // What `${PIPELINE_SECRETS.x}` in a template literal renders: an object, not a name.
    assert.deepEqual(referencesIn(`\${{ secrets.${String(PIPELINE_SECRETS.iaAccessKey as unknown)} }}`), [{ kind: "malformed", text: "secrets.[object" }]);
  });

  const refused: [string, Workflow, RegExp][] = [
    [
      "a secret read outside the environment that holds it",
      sample({ make: makeJob, use: use({ KEY: secret(KEY) }) }),
      /job use step 1 "Use": secret SIGNING_KEY is held by environment signing; the job runs in no environment/,
    ],
    [
      "a secret the repository does not declare",
      sample({ make: makeJob, use: use({ KEY: "${{ secrets.OLD_KEY }}" }, { environment: "signing" }) }),
      /secret OLD_KEY is not declared by the sample repository/,
    ],
    ["a variable the repository does not declare", sample({ make: makeJob, use: use({ IMAGE: "${{ vars.IMAGE }}" }) }), /variable IMAGE is not declared/],
    [
      "a secret in a workflow without a contract",
      { ...sample({ make: makeJob, use: use({ KEY: secret(KEY) }) }), contract: undefined },
      /secret SIGNING_KEY is read, but the workflow names no repository contract/,
    ],
    [
      "an object spliced into a template",
      sample({ make: makeJob, use: use({ KEY: `\${{ secrets.${String(KEY as unknown)} }}` }) }),
      /"secrets.\[object" names no secret or variable/,
    ],
    [
      "an output of a job the reader does not need",
      sample({ make: makeJob, use: use({ D: madeJob.expressions.digest }, { needs: [] }) }),
      /job use step 1 "Use": reads job make, which is not in its needs/,
    ],
    [
      "an output the job does not declare",
      sample({ make: makeJob, use: use({ D: "${{ needs.make.outputs.sha }}" }) }),
      /reads output sha of job make, which declares digest/,
    ],
    [
      "a job condition on an undeclared output",
      sample({ make: makeJob, use: use({}, { if: "needs.make.outputs.passed == 'true'" }) }),
      /job use: reads output passed of job make/,
    ],
    [
      "a step output read before the step runs",
      sample({ make: { steps: [run("Early", "true", { env: { D: made.outputs.digest } }), made.step] } }),
      /job make step 1 "Early": reads step make, which is not an earlier step of this job/,
    ],
    [
      "a step output the step does not declare",
      sample({ make: { outputs: { sha: "${{ steps.make.outputs.sha }}" }, steps: [made.step] } }),
      /job make outputs: reads output sha of step make, which declares digest/,
    ],
    [
      "a secret in the workflow-wide env",
      { ...sample({ make: makeJob }), env: { KEY: secret(KEY) } },
      /env: secret SIGNING_KEY at the workflow level reaches every job/,
    ],
  ];
  for (const [what, workflow, expected] of refused) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => renderWorkflow(workflow),
        (err: unknown) => err instanceof WorkflowModelError && expected.test(err.message) && err.message.includes("sample.yml references:"),
      );
    });
  }

  it("the real workflows: moving a secret's environment or dropping a variable fails their render", () => {
    const moved: RepositoryContract = {
      ...IMAGE_CONTRACT,
      secrets: { ...IMAGE_CONTRACT.secrets, cosignPrivateKey: { ...IMAGE_SECRETS.cosignPrivateKey, environment: "release-pr" } },
    };
    assert.throws(
      () => renderWorkflow({ ...buildWorkflow(), contract: moved }),
      /job sign step 2 "Sign the pushed digest": secret COSIGN_PRIVATE_KEY is held by environment release-pr; the job runs in signing/,
    );
    const { edgeSshPort: _dropped, ...variables } = IMAGE_CONTRACT.variables as Record<string, string>;
    assert.throws(
      () => renderWorkflow({ ...buildDiskWorkflow(TOOLS_REF), contract: { ...IMAGE_CONTRACT, variables } }),
      /job edge_sync step 3 "Rsync the ISO to the edge": variable EDGE_SSH_PORT is not declared/,
    );
    assert.throws(
      () => renderWorkflow({ ...releaseWorkflow(), contract: undefined }),
      /job up step \d+ "pulumi up": secret REGISTRY_PASSWORD is read, but the workflow names no repository contract/,
    );
  });
});
