// The policy pack as `pulumi policy publish` ships it, installed the way an enforcing `pulumi`
// installs it (test/support/published-pack.ts), then served through run-policy-pack. The engine
// tier runs the same installed pack under `pulumi preview` (test/e2e/published-pack-engine.test.ts).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceTypes } from "../../policy/resource-types";
import { AnalyzerProcess } from "./analyzer-process";
import { promotion } from "./fixtures";
import { PROJECT_DIR } from "../support/program-run";
import { PublishedPack, installPublishedPack } from "../support/published-pack";

describe("policy pack as published (npm pack, installed outside the repository)", function () {
  this.timeout(360_000);
  let published: PublishedPack;
  let pack: AnalyzerProcess | undefined;

  before(() => {
    published = installPublishedPack();
  });

  after(async () => {
    await pack?.stop();
    published?.dispose();
  });

  it("npm pack prints only the tarball's name on stdout, which is how publish finds the file", () => {
    // A lifecycle script (prepack) would print its banner there too, and publish would fail.
    assert.match(published.packStdout.trim(), /^margine-policy-\d+\.\d+\.\d+\.tgz$/);
  });
  it("the tarball holds the compiled pack, the value grammar it imports, its manifest and its lock, and no sources", () => {
    for (const f of [
      "package/package.json",
      "package/PulumiPolicy.yaml",
      "package/npm-shrinkwrap.json",
      "package/bin/policy/index.js",
      "package/bin/policy/no-latest-tag.js",
      "package/bin/grammar/values.js",
    ]) {
      assert.ok(published.files.includes(f), `${f} missing from ${published.files.join(", ")}`);
    }
    assert.deepEqual(
      published.files.filter(
        (f) => f.endsWith(".ts") || !/^package\/(bin\/(policy|grammar)\/[a-z0-9-]+\.js|package\.json|PulumiPolicy\.yaml|npm-shrinkwrap\.json)$/.test(f),
      ),
      [],
    );
  });

  it("the install takes the versions the lock pins, the ones the project's tests run", () => {
    const rootLock = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package-lock.json"), "utf8")).packages;
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "package.json"), "utf8"));
    assert.ok(Object.keys(dependencies).length >= 3);
    for (const dep of Object.keys(dependencies)) {
      // @pulumi/policy writes its own version as "v1.21.0".
      const got = String(JSON.parse(fs.readFileSync(path.join(published.dir, "node_modules", dep, "package.json"), "utf8")).version).replace(/^v/, "");
      assert.equal(got, rootLock[`node_modules/${dep}`].version, dep);
    }
  });

  it("the installed pack serves the same policies and blocks :latest", async () => {
    pack = await AnalyzerProcess.start(published.dir);
    const info = await pack.info();
    assert.equal(info.name, "margine");
    assert.ok(info.policies.length >= 10, `${info.policies.length} policies`);
    assert.deepEqual(await pack.analyze({ type: ResourceTypes.promotion, name: "stable", props: JSON.parse(JSON.stringify(promotion().inputs)) }), []);
    const blocked = await pack.analyze({
      type: ResourceTypes.promotion,
      name: "stable",
      props: JSON.parse(JSON.stringify(promotion({ tags: ["stable", "latest"] }).inputs)),
    });
    assert.deepEqual(blocked.map((d) => `${d.enforcementLevel} ${d.policyName}`).sort(), ["mandatory no-latest-tag", "mandatory tag-grammar"]);
  });
});
