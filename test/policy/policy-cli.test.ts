// npm run policy -- --resources FILE (docs/contracts.md), and the pack over the real example program.
import { strict as assert } from "node:assert";
import { runScript } from "../support/processes";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyzeResources } from "../../policy/evaluator";
import { ResourcesFileError, readResourcesFile, writePolicyReport } from "../../policy/resources-file";
import { toSynthResources } from "../../scripts/offline/synth-output";
import { exampleProgram, exampleReleaseProgram } from "../support/program-run";
import { daysAgo, iaItem, promotion } from "./fixtures";

function policyCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = runScript("policy", args);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run policy", function () {
  this.timeout(60_000);
  let dir: string;
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof data === "string" ? data : JSON.stringify(data));
    return file;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits 0 on compliant resources and prints the count", () => {
    const r = policyCli("--resources", write("ok.json", [promotion(), iaItem({ protect: true, retainOnDelete: true })]));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 resources, 0 mandatory and 0 advisory violations/);
  });

  it("exits 1 on a mandatory violation and prints what to change", () => {
    const r = policyCli("--resources", write("bad.json", [promotion({ tags: ["stable", "latest"] })]));
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^mandatory +no-latest-tag: Promotion stable: tags\[1\] is "latest"/m);
  });

  it("exits 0 on advisory-only findings, and 1 when --config makes staleness critical", () => {
    const file = write("stale.json", [promotion({}, daysAgo(20))]);
    const advisory = policyCli("--resources", file);
    assert.equal(advisory.status, 0);
    assert.match(advisory.stdout, /^advisory +stale-stable:/m);
    const critical = policyCli("--resources", file, "--config", write("config.json", { "stale-stable-critical": { criticalAfterDays: 14 } }), "--json");
    assert.equal(critical.status, 1);
    assert.equal(JSON.parse(critical.stdout).mandatory, 1);
  });

  it("exits 2 with one line on a mis-shaped file, and on a missing flag", () => {
    const r = policyCli("--resources", write("shape.json", [{ type: "x", name: "y" }]));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /entry \[0\] .* is not \{type: string, name: string, parent\?: string, inputs: object/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    const usage = policyCli();
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--resources FILE is required/);
  });

  it("a typo in --config is exit 2 naming it, never a check silently off", () => {
    const file = write("stale2.json", [promotion({}, daysAgo(20))]);
    for (const [config, message] of [
      [{ "stale-stable-critcal": { criticalAfterDays: 14 } }, /unknown policy "stale-stable-critcal"; did you mean "stale-stable-critical"\?/],
      [{ "stale-stable-critical": { criticalAfterDays: "abc" } }, /stale-stable-critical\.criticalAfterDays: "abc" is not a number/],
      [{ "stale-stable-critical": { criticalAfterDays: 0 } }, /stale-stable-critical\.criticalAfterDays: 0 is below the minimum 1/],
      [{ "stale-stable-critical": { critcalAfterDays: 14 } }, /stale-stable-critical: unknown setting "critcalAfterDays"; did you mean "criticalAfterDays"\?/],
      [
        { "no-latest-tag": { enforcementLevel: "mandtory" } },
        /no-latest-tag\.enforcementLevel: "mandtory" is not one of advisory, mandatory, remediate, disabled/,
      ],
      [{ "no-latest-tag": "off" }, /no-latest-tag: enforcement level "off" is not one of/],
    ] as const) {
      const r = policyCli("--resources", file, "--config", write("typo.json", config));
      assert.equal(r.status, 2, `${JSON.stringify(config)}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^error: .*typo\\.json: .*${message.source}`));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });

  it("a directory as --resources is named as one (exit 2)", () => {
    const r = policyCli("--resources", dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*: cannot read resources\.json: is a directory, not a file$/m);
  });

  it("rejects a missing or non-JSON file as a ResourcesFileError (the CLI's exit 2)", () => {
    assert.throws(
      () => readResourcesFile(path.join(dir, "missing.json")),
      (e: Error) => e instanceof ResourcesFileError && /cannot read resources\.json: no such file/.test(e.message),
    );
    assert.throws(
      () => readResourcesFile(write("text.json", "not json")),
      (e: Error) => e instanceof ResourcesFileError && /is not valid JSON/.test(e.message),
    );
  });
});

describe("synth's policy.json", () => {
  it("holds the pack's report over resources.json: policies run, counts and violations", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-json-"));
    try {
      const resources = path.join(dir, "resources.json");
      fs.writeFileSync(resources, JSON.stringify([promotion({ digest: "candidate" }), iaItem(undefined)]));
      const report = await writePolicyReport(resources, path.join(dir, "policy.json"));
      const written = JSON.parse(fs.readFileSync(path.join(dir, "policy.json"), "utf8"));
      assert.deepEqual(written, report);
      assert.equal(written.pack, "margine");
      assert.ok(written.policies.includes("stale-stable"));
      assert.deepEqual(written.violations.map((v: { policyName: string; resource?: string }) => `${v.policyName} ${v.resource}`).sort(), [
        "ia-items-retained iso-20261120",
        "promote-by-digest stable",
      ]);
      assert.equal(written.mandatory, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("policy pack over the example program", () => {
  it("finds no mandatory violation in what the platform stack declares", async () => {
    const evaluation = await exampleProgram();
    const report = await analyzeResources(toSynthResources(evaluation.resources));
    assert.deepEqual(
      report.violations.filter((v) => v.enforcementLevel === "mandatory"),
      [],
    );
  });

  it("finds no mandatory violation in what the release stack declares", async () => {
    const evaluation = await exampleReleaseProgram();
    const report = await analyzeResources(toSynthResources(evaluation.resources));
    assert.deepEqual(
      report.violations.filter((v) => v.enforcementLevel === "mandatory"),
      [],
    );
    // The release resources are there to be policed, with the options synth records.
    assert.ok(evaluation.resources.some((r) => r.type === "pulumi-nodejs:dynamic/margine:Promotion"));
    const items = evaluation.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/margine:IaItem");
    assert.ok(items.length > 0 && items.every((r) => r.options?.protect && r.options?.retainOnDelete));
  });
});
