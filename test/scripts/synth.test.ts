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
    before(() => {
      run = synth(["--stack", "prod", "--out", out]);
    });

    it("exits 0 and warns once per missing secret with the command that sets it", () => {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /warning: secret margine-pipeline:registryWriteToken is not set.*pulumi config set --secret registryWriteToken/);
      assert.doesNotMatch(run.stderr, /siteBumpToken/, "the site bump token is optional: no warning");
      assert.match(run.stderr, /warning: margine-pipeline:edgeHostKey is not set/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });

    it("writes resources.json in the contract's shape, secrets as [secret]", () => {
      const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as any[];
      assert.ok(resources.length > 10);
      for (const r of resources) {
        // The contract's keys, plus `options` (protect / retainOnDelete) where a resource sets them.
        assert.deepEqual(
          Object.keys(r).filter((k) => !["type", "name", "parent", "inputs", "options"].includes(k)),
          [],
          r.name,
        );
        if (r.options)
          assert.deepEqual(
            Object.keys(r.options).filter((k) => !["protect", "retainOnDelete"].includes(k)),
            [],
            r.name,
          );
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
      assert.deepEqual(
        resources.filter((r) => /Promotion|IaItem|SiteRelease/.test(r.type)),
        [],
      );
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

  describe("the release stack (--stack release)", () => {
    const out = path.join(tmp, "release");
    let run: ReturnType<typeof synth>;
    before(() => {
      run = synth(["--stack", "release", "--out", out]);
    });

    it("needs no secret and no operator value: no warning at all", () => {
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /warning: (secret|margine-pipeline:)/);
    });

    it("declares only the release, and nothing yet: no GitHub, Cloudflare or edge resource", () => {
      const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string }[];
      assert.deepEqual(
        resources.filter((r) => !r.type.startsWith("margine:release:")),
        [],
        "nothing but the (empty) Release component",
      );
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
      assert.equal(
        run.stderr
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("warning:"))
          .join("\n"),
        'error: config margine-pipeline:zone: "The_Empty" is not valid; expected a lowercase DNS host name such as files.the-empty.place',
      );
      assert.equal(fs.existsSync(out), false);
    } finally {
      fs.rmSync(stackFile);
    }
  });

  describe("--out replaces only a folder synth wrote itself", () => {
    // Each refusal comes before the program is evaluated: exit 2, one line, nothing touched.
    const refuses = (out: string, reason: RegExp) => {
      const run = synth(["--stack", "example", "--out", out]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, "");
      const lines = run.stderr.trim().split("\n");
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], reason);
    };

    it("refuses a folder holding files synth did not write, and leaves them as they were", () => {
      const checkout = fs.mkdtempSync(path.join(tmp, "checkout-"));
      fs.mkdirSync(path.join(checkout, ".git"));
      fs.writeFileSync(path.join(checkout, ".git", "HEAD"), "ref: refs/heads/main\n");
      fs.writeFileSync(path.join(checkout, "work.ts"), "uncommitted\n");
      refuses(
        checkout,
        /^error: --out .*checkout-\w+: holds 2 entries that synth did not write; expected a new folder, an empty one, or one an earlier synth wrote/,
      );
      assert.deepEqual(fs.readdirSync(checkout).sort(), [".git", "work.ts"]);
      assert.equal(fs.readFileSync(path.join(checkout, "work.ts"), "utf8"), "uncommitted\n");
    });

    it("refuses the current directory (`--out .`)", () => {
      const cwd = fs.mkdtempSync(path.join(tmp, "cwd-"));
      fs.writeFileSync(path.join(cwd, "keep"), "x");
      const run = runScript("synth", ["--stack", "example", "--out", "."], { cwd, env: { PULUMI_CONFIG_PASSPHRASE: "" } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^error: --out .*: holds 1 entry that synth did not write/);
      assert.equal(fs.readFileSync(path.join(cwd, "keep"), "utf8"), "x");
    });

    it("refuses a regular file and a symbolic link, and leaves both in place", () => {
      const file = path.join(tmp, "a-file");
      fs.writeFileSync(file, "data");
      refuses(file, /^error: --out .*a-file: exists and is not a folder/);
      assert.equal(fs.readFileSync(file, "utf8"), "data");
      const target = fs.mkdtempSync(path.join(tmp, "target-"));
      const link = path.join(tmp, "a-link");
      fs.symlinkSync(target, link);
      refuses(link, /^error: --out .*a-link: is a symbolic link/);
      assert.ok(fs.lstatSync(link).isSymbolicLink());
    });

    it("writes into an empty folder, marks it, and on a rerun replaces only its own output", () => {
      const out = fs.mkdtempSync(path.join(tmp, "own-"));
      const first = synth(["--stack", "example", "--out", out]);
      assert.equal(first.code, 0, first.stderr);
      assert.ok(fs.statSync(path.join(out, ".margine-synth-output")).isFile());
      fs.writeFileSync(path.join(out, "stale.json"), "{}");
      const second = synth(["--stack", "example", "--out", out]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(fs.existsSync(path.join(out, "stale.json")), false, "the earlier output is replaced whole");
      assert.ok(fs.existsSync(path.join(out, "resources.json")));
    });
  });

  it("names the file and the lines of a YAML error in a stack file, in one line", () => {
    const stackFile = path.join(PROJECT_DIR, "Pulumi.synthtest-yaml.yaml");
    fs.writeFileSync(stackFile, "config:\n  margine-pipeline:zone: the-empty.place\n   margine-pipeline:image: x\n");
    try {
      const run = synth(["--stack", "synthtest-yaml", "--out", path.join(tmp, "yaml")]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^error: Pulumi\.synthtest-yaml\.yaml:\d+: not valid YAML at lines? [\d-]+ \(.*\): /m);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
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
