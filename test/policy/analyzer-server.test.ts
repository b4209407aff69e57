// The pack as the engine runs it: policy/index.ts spawned, Analyze / AnalyzeStack over gRPC.
import { strict as assert } from "node:assert";
import { ResourceTypes } from "../../policy/resource-types";
import { AnalyzerProcess, Diagnostic, EngineResource, engineSecret, urnOf } from "./analyzer-process";
import { COMPLIANT_WORKFLOW, daysAgo, iaItem, lineOf, promotion, workflowWith } from "./fixtures";

function engineResource(r: { type: string; name: string; inputs: Record<string, unknown> }, extra: Partial<EngineResource> = {}): EngineResource {
  return { type: r.type, name: r.name, props: JSON.parse(JSON.stringify(r.inputs)), ...extra };
}

const summary = (ds: Diagnostic[]) => ds.map((d) => `${d.enforcementLevel} ${d.policyName}`).sort();

describe("policy pack through its gRPC analyzer server", function () {
  this.timeout(90_000);
  let pack: AnalyzerProcess;

  before(async () => {
    pack = await AnalyzerProcess.start();
  });
  after(async () => {
    await pack?.stop();
  });

  it("declares every policy with its enforcement level", async () => {
    const info = await pack.info();
    assert.equal(info.name, "margine");
    assert.deepEqual(Object.fromEntries(info.policies.map((p) => [p.name, p.enforcementLevel])), {
      "no-latest-tag": "mandatory",
      "tag-grammar": "mandatory",
      "promote-by-digest": "mandatory",
      "booted-evidence": "mandatory",
      "signed-promotion": "mandatory",
      "secrets-stay-secret": "mandatory",
      "workflow-hardening": "mandatory",
      "ia-items-retained": "mandatory",
      "stale-stable": "advisory",
      "stale-stable-critical": "mandatory",
    });
  });

  it("Analyze passes a compliant Promotion", async () => {
    assert.deepEqual(await pack.analyze(engineResource(promotion())), []);
  });

  it("Analyze blocks a Promotion of a tag to :latest with one diagnostic per broken rule", async () => {
    const bad = engineResource(promotion({ digest: "candidate", tags: ["stable", "latest"] }));
    const ds = await pack.analyze(bad);
    assert.deepEqual(summary(ds), ["mandatory no-latest-tag", "mandatory promote-by-digest", "mandatory tag-grammar"]);
    assert.match(ds.find((d) => d.policyName === "promote-by-digest")!.message, /digest "candidate" is a tag, not a digest/);
  });

  it("Analyze sees a secret value unwrapped and relies on additionalSecretOutputs", async () => {
    const secret = {
      type: ResourceTypes.actionsEnvironmentSecret,
      name: "cosign-password",
      inputs: { repository: "margine-image", environment: "signing", secretName: "COSIGN_PASSWORD", value: engineSecret("s3cret-value") },
    };
    assert.deepEqual(await pack.analyze(engineResource(secret, { additionalSecretOutputs: ["value"] })), []);
    const ds = await pack.analyze(engineResource(secret));
    assert.deepEqual(summary(ds), ["mandatory secrets-stay-secret"]);
    assert.match(ds[0].message, /value of secret COSIGN_PASSWORD is not a Pulumi secret/);
  });

  it("Analyze reads protect from the resource options of an IaItem", async () => {
    assert.deepEqual(await pack.analyze(engineResource(iaItem(undefined), { protect: true })), []);
    assert.deepEqual(summary(await pack.analyze(engineResource(iaItem(undefined)))), ["mandatory ia-items-retained"]);
  });

  it("Analyze reports an unpinned action in a workflow file with its line", async () => {
    const content = workflowWith("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4");
    const file = {
      type: ResourceTypes.repositoryFile,
      name: "workflows-image-build",
      inputs: { repository: "margine-image", file: ".github/workflows/build.yml", content },
    };
    assert.deepEqual(await pack.analyze(engineResource({ ...file, inputs: { ...file.inputs, content: COMPLIANT_WORKFLOW } })), []);
    const ds = await pack.analyze(engineResource(file));
    assert.deepEqual(summary(ds), ["mandatory workflow-hardening"]);
    assert.match(ds[0].message, new RegExp(`build\\.yml\\): line ${lineOf(content, "actions/checkout@v4")} \\(job build, step 1\\)`));
  });

  it("AnalyzeStack warns on a stale stable, and blocks once criticalAfterDays is configured", async () => {
    const stale = engineResource(promotion({}, daysAgo(20)));
    const warned = await pack.analyzeStack([stale, engineResource(iaItem(undefined), { protect: true })]);
    assert.deepEqual(summary(warned), ["advisory stale-stable"]);
    assert.equal(warned[0].urn, urnOf(stale));
    assert.match(warned[0].message, /20 days ago \(limit 7\)/);

    await pack.configure({
      "stale-stable": { enforcementLevel: "advisory", warnAfterDays: 7 },
      "stale-stable-critical": { enforcementLevel: "mandatory", criticalAfterDays: 14 },
    });
    assert.deepEqual(summary(await pack.analyzeStack([stale])), ["advisory stale-stable", "mandatory stale-stable-critical"]);
    assert.deepEqual(await pack.analyzeStack([engineResource(promotion({}, daysAgo(2)))]), []);
  });
});
