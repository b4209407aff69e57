// The renderer refuses what the handbook forbids, naming the workflow, job and step; a compliant
// baseline changes one field per case.
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { ACTIONS } from "../../../components/workflows/actions";
import { Job, Workflow } from "../../../components/workflows/model";
import { WorkflowModelError, renderWorkflow, workflowProblems } from "../../../components/workflows/render";

const baselineJob: Job = {
  runsOn: "ubuntu-24.04",
  permissions: { contents: "read" },
  timeoutMinutes: 10,
  steps: [
    { name: "Check out", uses: ACTIONS.checkout },
    { name: "Say", run: 'echo "$GREETING"', env: { GREETING: "${{ github.actor }}" } },
  ],
};
const baseline: Workflow = {
  fileName: "sample.yml",
  name: "sample",
  header: ["A sample."],
  on: { push: { branches: ["main"] } },
  permissions: {},
  jobs: { work: baselineJob },
};
const withJob = (patch: Partial<Job>): Workflow => ({ ...baseline, jobs: { work: { ...baselineJob, ...patch } } });

describe("workflow renderer", () => {
  it("renders the compliant baseline with the action's release as a comment", () => {
    assert.deepEqual(workflowProblems(baseline), []);
    const yaml = renderWorkflow(baseline);
    assert.match(yaml, /^# A sample\.\n/);
    assert.match(yaml, /uses: actions\/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4\.2\.2\n/);
    const doc = parse(yaml);
    assert.equal(doc.jobs.work["runs-on"], "ubuntu-24.04");
    assert.equal(doc.jobs.work["timeout-minutes"], 10);
    assert.deepEqual(doc.defaults, { run: { shell: "bash" } });
  });

  const cases: [string, Workflow, RegExp][] = [
    ["a job without permissions", withJob({ permissions: undefined as unknown as Job["permissions"] }), /job work: permissions is required/],
    ["write-all permissions", withJob({ permissions: "write-all" as unknown as Job["permissions"] }), /job work: permissions "write-all"/],
    ["a job without a timeout", withJob({ timeoutMinutes: undefined as unknown as number }), /job work: timeout-minutes undefined/],
    ["a timeout past GitHub's 6 h cap", withJob({ timeoutMinutes: 400 }), /timeout-minutes 400: expected an integer 1-360/],
    ["a moving runner label", withJob({ runsOn: "ubuntu-latest" as "ubuntu-24.04" }), /runs-on ubuntu-latest: use a versioned runner label/],
    [
      "an expression inlined in a script",
      withJob({ steps: [{ name: "Say", run: 'echo "${{ github.event.pull_request.title }}"' }] }),
      /step 1 "Say": an expression is inlined/,
    ],
    [
      "an action pinned to a tag",
      withJob({ steps: [{ name: "Check out", uses: { ...ACTIONS.checkout, sha: "v4" } }] }),
      /actions\/checkout@v4: pin third-party actions to a full 40-hex commit SHA/,
    ],
    ["a step with both uses and run", withJob({ steps: [{ name: "Both", uses: ACTIONS.checkout, run: "true" }] }), /exactly one of uses and run/],
    ["needs of a missing job", withJob({ needs: ["nowhere"] }), /needs nowhere, which is not a job/],
    ["pull_request_target", { ...baseline, on: { pullRequestTarget: {} } as unknown as Workflow["on"] }, /pull_request_target runs fork code/],
  ];
  for (const [what, workflow, expected] of cases) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => renderWorkflow(workflow),
        (err: unknown) => err instanceof WorkflowModelError && expected.test(err.message) && err.message.includes("sample.yml"),
      );
    });
  }
});
