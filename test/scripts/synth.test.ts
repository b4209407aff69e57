// `npm run synth` as a user runs it: a separate process, offline, no Pulumi CLI.
import { strict as assert } from "node:assert";
import { runScript } from "../support/processes";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../support/program-run";

function synth(args: string[]) {
  return runScript("synth", args, { env: { PULUMI_CONFIG_PASSPHRASE: "", GITHUB_TOKEN: "", CLOUDFLARE_API_TOKEN: "" } });
}

describe("npm run synth", function () {
  this.timeout(180_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe("the prod stack, with no credentials at all", () => {
    const out = path.join(tmp, "prod");
    let run: ReturnType<typeof synth>;
    before(() => { run = synth(["--stack", "prod", "--out", out]); });

    it("exits 0 and warns once per missing secret with the command that sets it", () => {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /warning: secret margine-pipeline:siteBumpToken is not set.*pulumi config set --secret siteBumpToken/);
      assert.match(run.stderr, /warning: margine-pipeline:edgeHostKey is not set/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });

    it("writes resources.json in the contract's shape, secrets as [secret]", () => {
      const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as any[];
      assert.ok(resources.length > 10);
      for (const r of resources) {
        // The contract's keys, plus `options` (protect / retainOnDelete) where a resource sets them.
        assert.deepEqual(Object.keys(r).filter((k) => !["type", "name", "parent", "inputs", "options"].includes(k)), [], r.name);
        if (r.options) assert.deepEqual(Object.keys(r.options).filter((k) => !["protect", "retainOnDelete"].includes(k)), [], r.name);
        assert.equal(typeof r.type, "string");
        assert.equal(typeof r.inputs, "object");
        assert.equal(r.inputs.__provider, undefined, "serialized providers stay out of resources.json");
      }
      const secrets = resources.filter((r) => /ActionsSecret|ActionsEnvironmentSecret/.test(r.type));
      assert.ok(secrets.length >= 6);
      for (const s of secrets) assert.equal(s.inputs.value, "[secret]", s.name);
      assert.ok(!JSON.stringify(resources).includes("[placeholder"), "placeholders never appear unredacted");
    });

    it("declares no release in prod: no invented digest", () => {
      const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as any[];
      assert.deepEqual(resources.filter((r) => /Promotion|IaItem|SiteRelease/.test(r.type)), []);
      // Committed files pin tool images by digest (bootc-image-builder); those are not releases.
      const declared = resources.filter((r) => r.type !== "github:index/repositoryFile:RepositoryFile");
      assert.doesNotMatch(JSON.stringify(declared), /sha256:[0-9a-f]{64}/);
    });

    it("prints a summary: resources per type and the files written", () => {
      assert.match(run.stdout, /^synth prod: \d+ resources/m);
      assert.match(run.stdout, /^\s+2\s+github:index\/workflowRepositoryPermissions:WorkflowRepositoryPermissions$/m);
      const written = Number(/^files written: (\d+)$/m.exec(run.stdout)?.[1]);
      assert.ok(written >= 2);
    });
  });

  it("fails on invalid config with one line naming the key, before writing anything", () => {
    const stackFile = path.join(PROJECT_DIR, "Pulumi.synthtest-bad.yaml");
    const example = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.example.yaml"), "utf8");
    fs.writeFileSync(stackFile, example.replace("margine-pipeline:zone: the-empty.place", "margine-pipeline:zone: The_Empty"));
    try {
      const out = path.join(tmp, "bad");
      const run = synth(["--stack", "synthtest-bad", "--out", out]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr.trim().split("\n").filter((l) => !l.startsWith("warning:")).join("\n"),
        'error: config margine-pipeline:zone: "The_Empty" is not valid; expected a lowercase DNS host name such as files.the-empty.place');
      assert.equal(fs.existsSync(out), false);
    } finally {
      fs.rmSync(stackFile);
    }
  });

  it("rejects an unknown stack or flag as a usage error (exit 2)", () => {
    const noStack = synth(["--stack", "nope"]);
    assert.equal(noStack.code, 2);
    assert.match(noStack.stderr, /^error: --stack nope: no Pulumi\.nope\.yaml .*expected one of: .*example.*prod/m);
    const badFlag = synth(["--bogus"]);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /^error: Unknown option '--bogus'/m);
  });
});
